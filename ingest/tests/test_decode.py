"""decode_html() and decode_xml(): which clue about a page's charset wins, and that the
text comes out right."""

import codecs

import pytest

from ingest.decode import codec_name, decode_html, decode_xml

STORY = (
    "本周六上午十点,华人社区服务中心将在市政厅举办免费健康讲座,"
    "邀请多位家庭医生讲解冬季流感预防知识。欢迎居民携带家人参加,"
    "现场提供茶点和中文翻译。"
)
STORY_HK = (
    "本週六上午十點,華人社區服務中心將在市政廳舉辦免費健康講座,"
    "邀請多位家庭醫生講解冬季流感預防知識。街坊話:咁好嘅講座,一定要去㗎!"
)


def page(body: str, head: str = "", title: str = "社区新闻") -> str:
    head = f"<head>{head}<title>{title}</title></head>"
    return f"<html>{head}<body><p>{body}</p></body></html>"


def test_a_utf8_bom_wins():
    html = page(STORY, '<meta charset="gbk">')

    text, encoding = decode_html(codecs.BOM_UTF8 + html.encode(), http_charset="big5")

    assert text == html
    assert encoding == "utf-8-sig"


def test_valid_utf8_wins_over_a_wrong_meta():
    html = page(STORY, '<meta charset="gbk">')

    assert decode_html(html.encode()) == (html, "utf-8")


@pytest.mark.parametrize(
    "meta",
    [
        '<meta charset="gbk">',
        "<meta charset=GBK>",
        '<meta http-equiv="Content-Type" content="text/html; charset=gbk">',
        '<meta content="text/html;charset=gbk" http-equiv="content-type">',
    ],
)
def test_gbk_bytes_with_a_correct_meta(meta):
    html = page(STORY, meta)

    assert decode_html(html.encode("gbk")) == (html, "gb18030")


@pytest.mark.parametrize("character", ["镕", "喆"])
def test_gbk_bytes_labelled_gb2312_keep_characters_outside_gb2312(character):
    html = page(f"朱{character}基金会今日宣布捐款。", '<meta charset="gb2312">')
    with pytest.raises(UnicodeEncodeError):
        html.encode("gb2312")

    text, encoding = decode_html(html.encode("gbk"))

    assert text == html
    assert encoding == "gb18030"


def test_big5_labelled_page_keeps_hkscs_characters():
    html = page(STORY_HK, '<meta charset="big5">', title="社區新聞")
    with pytest.raises(UnicodeEncodeError):
        html.encode("big5")

    text, encoding = decode_html(html.encode("big5hkscs"))

    assert text == html
    assert encoding == "big5hkscs"


def test_undeclared_gbk_is_detected_as_chinese():
    html = page(STORY)

    text, encoding = decode_html(html.encode("gbk"))

    assert encoding == "gb18030"
    assert text == html


def test_a_short_undeclared_gbk_text_is_still_read_as_chinese():
    # An unbiased detector calls this Korean (cp949).
    html = "<p>图书馆周末开放</p>"

    assert decode_html(html.encode("gbk")) == (html, "gb18030")


def test_an_http_charset_that_lies_is_skipped():
    html = page(STORY, '<meta charset="gbk">')

    text, encoding = decode_html(html.encode("gbk"), http_charset="utf-8")

    assert text == html
    assert encoding == "gb18030"


def test_a_lying_http_charset_without_any_meta_falls_back_to_detection():
    html = page(STORY)

    text, _encoding = decode_html(html.encode("gbk"), http_charset="utf-8")

    assert text == html


def test_a_correct_http_charset_is_used():
    html = page(STORY_HK, title="社區新聞")

    assert decode_html(html.encode("big5hkscs"), http_charset="Big5") == (
        html,
        "big5hkscs",
    )


def test_the_override_wins_over_everything():
    html = page(STORY, '<meta charset="utf-8">')
    # These GBK bytes are valid UTF-8 too: only the operator knows which is meant.
    content = "伟业".encode("gbk")
    assert decode_html(content)[1] == "utf-8"

    assert decode_html(content, http_charset="utf-8", override="gbk") == (
        "伟业",
        "gb18030",
    )
    assert decode_html(html.encode("gbk"), override="gb2312")[0] == html


def test_an_unknown_override_is_an_operator_error():
    with pytest.raises(LookupError, match="no-such-charset"):
        decode_html(b"<p>x</p>", override="no-such-charset")


def test_ascii_is_utf8():
    assert decode_html(b"<p>plain</p>", http_charset="us-ascii") == (
        "<p>plain</p>",
        "utf-8",
    )


@pytest.mark.parametrize(
    ("label", "name"),
    [
        ("gb2312", "gb18030"),
        ("GBK", "gb18030"),
        ("x-gbk", "gb18030"),
        ("cp936", "gb18030"),
        ("big5", "big5hkscs"),
        ('"UTF-8"', "utf-8"),
        ("iso-8859-1", "cp1252"),
        ("utf-16", "utf-8"),
        ("klingon", None),
        ("", None),
    ],
)
def test_labels_map_to_codecs(label, name):
    assert codec_name(label) == name


def test_xml_declaration_is_read_as_its_superset():
    xml = (
        f'<?xml version="1.0" encoding="gb2312"?><rss><title>朱镕{STORY}</title></rss>'
    )

    assert decode_xml(xml.encode("gbk")) == (xml, "gb18030")
