"""The HTML rewriter: what is converted, what stays byte for byte, which links move."""

import pytest

from variants.conversion import VARIANTS
from variants.rewrite import prefix_link, rewrite_html

HANT = VARIANTS["zh-hant"]
TW = VARIANTS["zh-tw"]


def test_text_is_converted_and_markup_stays_byte_for_byte():
    html = (
        '<!DOCTYPE html>\n<html lang="zh-Hans"><body class="a">'
        "<p id=\"x\" data-n='1'>悉尼华人社区举办中秋晚会，汇率走高</p>\n"
        "<br/><p>后来&amp;发展&nbsp;&#21326;</p></body></html>"
    )
    assert rewrite_html(html, HANT) == (
        '<!DOCTYPE html>\n<html lang="zh-Hant"><body class="a">'
        "<p id=\"x\" data-n='1'>悉尼華人社區舉辦中秋晚會，匯率走高</p>\n"
        "<br/><p>後來&amp;發展&nbsp;&#21326;</p></body></html>"
    )


def test_the_default_variant_is_not_touched():
    html = '<html lang="zh-Hans"><a href="/x/">华人</a></html>'
    assert rewrite_html(html, VARIANTS["zh-hans"]) == html


@pytest.mark.parametrize(
    "fragment",
    [
        '<script>var s = "<p>华人</p>"; if (a < b && c > d) {}</script>',
        '<script type="application/ld+json">{"headline": "华人社区"}</script>',
        "<style>.x::after { content: '华人'; }</style>",
        "<code>华人</code>",
        "<pre>华人<b>后</b></pre>",
        "<kbd>华</kbd><samp>华</samp>",
        "<textarea name=body>华人<p>后</p></textarea>",
        '<span translate="no">软件<b>鼠标</b><span>里</span></span>',
        "<span translate=NO>软件</span>",
        "<!-- 华人 <p>后</p> -->",
        "<![CDATA[华人]]>",
        '<div data-title="华人" class="华">x</div>',
    ],
)
def test_code_scripts_and_names_are_left_alone(fragment):
    html = f"<div>{fragment}</div>"
    assert rewrite_html(html, HANT) == html


def test_conversion_resumes_after_a_skipped_element():
    html = '<p><span translate="no">软件<span>里</span></span>后<pre>后</pre>后</p>'
    assert rewrite_html(html, HANT) == (
        '<p><span translate="no">软件<span>里</span></span>後<pre>后</pre>後</p>'
    )


def test_readable_attributes_are_converted_others_are_not():
    html = (
        '<a href="/x/" title="汇率 > 走高" aria-label=\'华人\' '
        'data-x="华人">x</a>'
        '<img src="/media/a.jpg" alt="华人"><input placeholder="发表">'
        '<input type="submit" value="发表"><input type="hidden" name="q" value="华人">'
        '<meta name="description" content="华人社区">'
        '<meta name="author" content="华人">'
        '<meta property="og:title" content="华人"><meta property="og:locale" '
        'content="zh_CN"><button name="b" value="华人">发表</button>'
    )
    assert rewrite_html(html, HANT) == (
        '<a href="/zh-hant/x/" title="匯率 > 走高" aria-label=\'華人\' '
        'data-x="华人">x</a>'
        '<img src="/media/a.jpg" alt="華人"><input placeholder="發表">'
        '<input type="submit" value="發表"><input type="hidden" name="q" value="华人">'
        '<meta name="description" content="華人社區">'
        '<meta name="author" content="华人">'
        '<meta property="og:title" content="華人"><meta property="og:locale" '
        'content="zh_TW"><button name="b" value="华人">發表</button>'
    )


def test_readable_attributes_inside_translate_no_stay():
    html = '<span translate="no" title="华人"><img alt="华人"></span><img alt="华人">'
    assert rewrite_html(html, HANT) == (
        '<span translate="no" title="华人"><img alt="华人"></span><img alt="華人">'
    )


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/news/x/?a=1&amp;b=2", "/zh-tw/news/x/?a=1&amp;b=2"),
        ("/", "/zh-tw/"),
        ("/static/core/site.css", "/static/core/site.css"),
        ("/media/images/a.jpg", "/media/images/a.jpg"),
        ("/admin/pages/", "/admin/pages/"),
        ("/django-admin/", "/django-admin/"),
        ("/documents/1/a.pdf", "/documents/1/a.pdf"),
        ("/variant/zh-hans/?next=/x/", "/variant/zh-hans/?next=/x/"),
        ("/zh-hk/x/", "/zh-hk/x/"),
        ("//cdn.example.com/a.js", "//cdn.example.com/a.js"),
        ("https://example.com/x/", "https://example.com/x/"),
        ("#comments", "#comments"),
        ("mailto:tips@example.com", "mailto:tips@example.com"),
    ],
)
def test_internal_links_get_the_prefix(url, expected):
    assert prefix_link(url, TW) == expected
    html = f'<a href="{url}">x</a><form action="{url}"></form>'
    assert rewrite_html(html, TW) == (
        f'<a href="{expected}">x</a><form action="{expected}"></form>'
    )


def test_htmx_and_data_url_attributes_get_the_prefix_even_inside_code():
    html = (
        "<div hx-get=\"/comments/1/\" hx-post='/comments/2/' "
        'data-widget-url=/city/widget/CITY/ data-other="/x/"></div>'
        '<pre><a href="/x/">x</a></pre>'
    )
    assert rewrite_html(html, HANT) == (
        "<div hx-get=\"/zh-hant/comments/1/\" hx-post='/zh-hant/comments/2/' "
        'data-widget-url=/zh-hant/city/widget/CITY/ data-other="/x/"></div>'
        '<pre><a href="/zh-hant/x/">x</a></pre>'
    )


def test_title_is_converted_as_text():
    html = "<head><title>华人社区 &amp; 汇率</title></head>"
    assert rewrite_html(html, HANT) == "<head><title>華人社區 &amp; 匯率</title></head>"


def test_taiwan_uses_taiwan_phrases_and_hong_kong_its_own_forms():
    assert rewrite_html("<p>软件和鼠标</p>", TW) == "<p>軟體和滑鼠</p>"
    assert rewrite_html("<p>软件</p>", VARIANTS["zh-hk"]) == "<p>軟件</p>"


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("<p>华人<", "<p>華人<"),
        ("<p title='华人>后", "<p title='華人>後"),  # no tag: all text
        ("<!-- 华人", "<!-- 华人"),
        ("<script>华人", "<script>华人"),
        ("华 < 人 >", "華 < 人 >"),
        ("</p >华人</ p>", "</p >華人</ p>"),
    ],
)
def test_broken_markup_does_not_break_the_rewriter(html, expected):
    assert rewrite_html(html, HANT) == expected


def test_a_typical_page_of_60_kb_is_converted_quickly():
    block = (
        '<li class="item"><a href="/australia/2026/11/article-{n}/" title="悉尼华人">'
        '悉尼华人社区举办中秋晚会，汇率走高</a><span class="date">2026-11-27</span>'
        "<p>澳大利亚联邦储备银行宣布维持利率不变，华人社区关注房贷变化。</p></li>\n"
    )
    html = "<ul>" + "".join(block.format(n=n) for n in range(220)) + "</ul>"
    assert 50_000 < len(html.encode()) < 80_000
    rewritten = rewrite_html(html, HANT)
    assert rewritten.count("/zh-hant/australia/") == 220
    assert "华人" not in rewritten
