"""Folding, tokens and snippets."""

import pytest

from search.highlight import plain_text, snippet
from search.segment import fold, index_tokens, query_words


def test_fold_joins_scripts_widths_and_case():
    assert fold("臺灣ＡＢＣ") == fold("台湾abc") == "台湾abc"


@pytest.mark.django_db
def test_index_tokens_hold_words_and_every_bigram():
    tokens = index_tokens("他在研究生命起源，iPhone 15！")
    assert {"在研", "研究", "究生", "生命", "命起", "起源"} <= set(tokens)
    assert {"iphone", "15"} <= set(tokens)
    assert not any(set(token) & set("，！ ") for token in tokens)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "words"),
    [
        ('"NEAR(华人 汇率)" AND *', ["near", "华人", "汇率", "and"]),
        ("臺灣\x00😀", ["台湾"]),
        ("'; DROP TABLE x;--", ["drop", "table", "x"]),
        ("！？。", []),
    ],
)
def test_query_words_keep_no_syntax(query, words):
    assert query_words(query) == words


@pytest.mark.django_db
def test_long_queries_are_cut():
    assert len(query_words("华人 " * 500)) == 1
    assert len(query_words(" ".join(f"w{n}" for n in range(100)))) == 12


def test_snippet_escapes_and_marks_across_scripts():
    text = "<b>前言</b>" + "无关内容" * 20 + "臺灣同鄉會舉辦活動"
    html = snippet(text, ["台湾"])
    assert "<mark>臺灣</mark>" in html
    assert "<b>" not in html and html.startswith("…")


def test_plain_text_reads_raw_stream_data():
    raw = [
        {"type": "paragraph", "value": "<p>第一&amp;段</p>", "id": "x"},
        {"type": "image", "value": {"image": 5, "caption": "图说", "credit": "AP"}},
    ]
    assert plain_text(raw) == "第一&段 图说"
