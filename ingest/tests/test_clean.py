"""Body blocks through the allow-list, and the 简/繁 conversion of extracted articles.

The script tests live here because this change may only add test_extract/test_clean.
"""

import dataclasses
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from ingest.clean import body_blocks, sanitize
from ingest.extract import Extracted, ExtractedImage, extract
from ingest.script import convert, to_simplified

PAGES = Path(__file__).parent / "pages"
HOSTILE = (
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(1)">点我</a>',
    "<style>body{display:none}</style>",
)


def _article(*blocks: dict) -> Extracted:
    images = tuple(
        ExtractedImage(b["src"], b["caption"], b["credit"])
        for b in blocks
        if b["type"] == "image"
    )
    return Extracted(
        title="标题",
        published=None,
        source="",
        author="",
        paragraphs=tuple(b["text"] for b in blocks if b["type"] == "paragraph"),
        quotes=tuple(b["text"] for b in blocks if b["type"] == "quote"),
        images=images,
        blocks=blocks,
        canonical_url="https://x.example/a",
    )


def _image(src="https://img.example/1.jpg", caption="图说", credit="张三") -> dict:
    return {"type": "image", "src": src, "caption": caption, "credit": credit}


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_comes_out_as_inert_text(text):
    [block] = body_blocks(_article({"type": "paragraph", "text": f"正文{text}结束"}))
    soup = BeautifulSoup(block["value"], "html.parser")
    assert [tag.name for tag in soup.find_all(True)] == ["p"]
    assert soup.p.attrs == {}
    # The words survive as visible text, never as markup.
    assert soup.get_text() == f"正文{text}结束"


def test_sanitize_keeps_only_the_allow_list():
    html = sanitize(
        '<p class="x" onclick="go()">一<strong>二</strong><em>三</em><br>'
        '<a href="https://ok.example/" target="_blank">四</a>'
        '<a href="javascript:alert(1)">五</a><script>bad()</script>'
        '<iframe src="https://evil.example/"></iframe><span style="c">六</span></p>'
    )
    soup = BeautifulSoup(html, "html.parser")
    assert {tag.name for tag in soup.find_all(True)} == {"p", "strong", "em", "br", "a"}
    assert soup.p.attrs == {}
    links = soup.find_all("a")
    assert links[0].attrs == {
        "href": "https://ok.example/",
        "rel": ["nofollow", "noopener"],
    }
    assert "href" not in links[1].attrs
    assert "bad()" not in html and "evil" not in html
    assert soup.get_text() == "一二三四五六"


def test_structure_is_kept_in_page_order():
    blocks = body_blocks(
        _article(
            {"type": "paragraph", "text": "第一段"},
            _image(),
            {"type": "quote", "text": "引语 <b>不是HTML</b>"},
            {"type": "paragraph", "text": "第二段"},
        )
    )
    assert blocks == [
        {"type": "paragraph", "value": "<p>第一段</p>"},
        {
            "type": "image_pending",
            "value": {
                "src": "https://img.example/1.jpg",
                "caption": "图说",
                "credit": "张三",
            },
        },
        {"type": "quote", "value": {"text": "引语 <b>不是HTML</b>", "attribution": ""}},
        {"type": "paragraph", "value": "<p>第二段</p>"},
    ]


def test_captions_and_credits_fit_the_figure_block():
    [block] = body_blocks(_article(_image(caption="长" * 600, credit="名" * 200)))
    assert len(block["value"]["caption"]) == 500
    assert len(block["value"]["credit"]) == 120


def test_an_acceptance_page_becomes_body_blocks():
    html = (PAGES / "photo_set.html").read_text("utf-8")
    blocks = body_blocks(extract(html, "https://www.aohua.example/photo/1.html"))
    assert [b["type"] for b in blocks] == ["paragraph"] + ["image_pending"] * 5 + [
        "paragraph"
    ]


# --- ingest.script ---------------------------------------------------------


def _hk_article() -> Extracted:
    html = (PAGES / "hk_traditional.html").read_text("utf-8")
    return extract(
        html, "https://www.hkdaily.example/news/1", time_zone="Asia/Hong_Kong"
    )


def test_t2s_converts_every_text_field_but_no_url():
    original = _hk_article()
    got = convert(original, "t2s")
    assert got.title == "港珠澳大桥穿梭巴士增加班次 应对圣诞出行高峰"
    assert got.source == "香江时报"
    assert got.author == "陈家明"
    assert got.paragraphs[0].startswith("运输署周一宣布")
    assert got.images[0].caption == "旅客在港珠澳大桥香港口岸排队候车。"
    assert got.images[0].credit == "黄伟伦"
    assert got.images[0].src == original.images[0].src
    image_block = next(b for b in got.blocks if b["type"] == "image")
    assert image_block["src"] == original.images[0].src
    assert image_block["caption"] == got.images[0].caption
    assert got.canonical_url == original.canonical_url
    assert got.published == original.published


def test_a_url_with_chinese_characters_is_never_converted():
    article = _article(_image(src="https://img.example/港聞/圖.jpg", caption="圖說"))
    got = convert(article, "t2s")
    assert got.images[0].src == "https://img.example/港聞/圖.jpg"
    assert got.blocks[0]["src"] == "https://img.example/港聞/圖.jpg"
    assert got.images[0].caption == "图说"


@pytest.mark.parametrize(
    ("mode", "expected"),
    [("s2t", "發佈時間"), ("s2hk", "發佈時間"), ("s2tw", "發佈時間"), ("", "发布时间")],
)
def test_simplified_to_traditional_modes(mode, expected):
    article = dataclasses.replace(_article(), title="发布时间")
    assert convert(article, mode).title == expected


def test_s2tw_uses_taiwan_variants():
    article = dataclasses.replace(_article(), title="着")
    assert convert(article, "s2t").title == "着"
    assert convert(article, "s2tw").title == "著"


def test_an_unknown_mode_is_refused():
    with pytest.raises(ValueError, match="unknown"):
        convert(_article(), "zh2klingon")


def test_to_simplified_makes_both_scripts_compare_equal():
    assert to_simplified("港珠澳大橋穿梭巴士") == to_simplified("港珠澳大桥穿梭巴士")
    assert to_simplified("") == ""
