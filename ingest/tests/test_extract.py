"""Acceptance pages under pages/ and targeted checks of the article extractor."""

import datetime
import difflib
import json
from pathlib import Path

import pytest

from ingest.extract import Extracted, ExtractionError, extract, split_credit
from ingest.quality import as_expected as _as_expected
from ingest.quality import score

PAGES = Path(__file__).parent / "pages"
NAMES = sorted(p.name.removesuffix(".expected.json") for p in PAGES.glob("*.json"))
# Chrome wording from the pages, plus text of their comments and related lists.
CHROME = (
    "下载APP", "打开App", "打開App", "扫码下载", "本文转载自", "免责声明", "版权声明",
    "版權聲明", "网友评论", "網友評論", "评论", "分享到", "责任编辑", "相关阅读",
    "推荐阅读", "相关新闻", "Copyright", "来源：", "來源：", "终于开了", "停车位太少",
    "上次排咗", "帕拉马塔轻轨", "四大银行", "澳联储维持利率",
)  # fmt: skip


def _load(name: str) -> tuple[dict, Extracted]:
    expected = json.loads((PAGES / f"{name}.expected.json").read_text("utf-8"))
    html = (PAGES / f"{name}.html").read_text("utf-8")
    return expected, extract(html, expected["url"], time_zone=expected.get("time_zone"))


@pytest.mark.parametrize("name", NAMES)
def test_acceptance_page(name):
    expected, got = _load(name)
    actual = _as_expected(got)
    expected.setdefault("quotes", [])
    for field in ("title", "published", "source", "author", "paragraphs", "quotes"):
        want, have = expected[field], actual[field]
        diff = "\n".join(
            difflib.unified_diff(
                json.dumps(want, ensure_ascii=False, indent=1).splitlines(),
                json.dumps(have, ensure_ascii=False, indent=1).splitlines(),
                "expected",
                "got",
                lineterm="",
            )
        )
        assert have == want, f"{name}.{field}:\n{diff}"
    assert actual["images"] == expected["images"], name


def test_quality_over_all_pages():
    totals: dict[str, list[float]] = {}
    for name in NAMES:
        for field, values in score(*_load(name)).items():
            totals.setdefault(field, []).append(values["f1"])
    means = {field: sum(v) / len(v) for field, v in totals.items()}
    table = "| field | mean F1 |\n|---|---|\n" + "\n".join(
        f"| {field} | {mean:.2f} |" for field, mean in means.items()
    )
    # The table is the failure message: which field regressed, by how much.
    assert set(means.values()) == {1.0}, "\n" + table


@pytest.mark.parametrize("name", NAMES)
def test_site_chrome_never_reaches_the_body(name):
    _, got = _load(name)
    for paragraph in got.paragraphs:
        found = [marker for marker in CHROME if marker in paragraph]
        assert not found, (paragraph, found)


def test_the_responsible_editor_is_not_the_author():
    _, got = _load("classic_portal")
    assert got.author == "张三"
    assert all("王五" not in text for text in got.paragraphs)


def test_blocks_keep_page_order_with_images_and_quotes():
    _, got = _load("quote")
    assert [b["type"] for b in got.blocks] == ["paragraph"] * 2 + ["quote"] + [
        "paragraph"
    ] * 2
    _, got = _load("photo_set")
    assert [b["type"] for b in got.blocks] == ["paragraph"] + ["image"] * 5 + [
        "paragraph"
    ]


@pytest.mark.parametrize(
    ("caption", "text", "credit"),
    [
        ("悉尼港的日出。（摄影：张三）", "悉尼港的日出。", "张三"),
        ("悉尼港的日出。(图片来源：新州旅游局)", "悉尼港的日出。", "新州旅游局"),
        ("悉尼港的日出。图/新华社", "悉尼港的日出。", "新华社"),
        ("悉尼港的日出。 张三 摄", "悉尼港的日出。", "张三"),
        ("悉尼港的日出。供图：悉尼港务局", "悉尼港的日出。", "悉尼港务局"),
        (
            "Sunrise over the harbour. Photo: Ann Lee",
            "Sunrise over the harbour.",
            "Ann Lee",
        ),
        (
            "金正恩与普京会面。 JEON HEON-KYUN/EPA, VIA SHUTTERSTOCK",
            "金正恩与普京会面。",
            "JEON HEON-KYUN/EPA, VIA SHUTTERSTOCK",
        ),
        ("记者正在拍摄", "记者正在拍摄", ""),
        ("游客在海边散步", "游客在海边散步", ""),
    ],
)
def test_credit_is_split_off_the_caption(caption, text, credit):
    assert split_credit(caption) == (text, credit)


def test_relative_and_lazy_image_urls_are_resolved():
    _, got = _load("lazy_images")
    sources = [image.src for image in got.images]
    assert sources == [
        "https://www.xiaohuaren.example/upload/2026/11/bushfire-hills.jpg",
        "https://cdn.xiaohuaren.example/2026/11/fire-truck.jpg",
    ]
    assert not any("beacon" in s or "qrcode" in s or "icon" in s for s in sources)


def test_a_date_without_zone_is_in_the_given_time_zone():
    html = (PAGES / "chinese_patterns.html").read_text("utf-8")
    got = extract(html, "https://x.example/a.html", time_zone="Asia/Shanghai")
    assert got.published == datetime.datetime(
        2026, 11, 16, 14, 20, tzinfo=datetime.timezone(datetime.timedelta(hours=8))
    )


def test_canonical_url_is_absolute():
    html = (PAGES / "classic_portal.html").read_text("utf-8")
    got = extract(html, "https://www.nanshizi.example/m/library?from=feed")
    assert got.canonical_url == (
        "https://www.nanshizi.example/news/2026/11/17/library.html"
    )


@pytest.mark.parametrize(
    "html",
    [
        "",
        "<html><body><nav><a href='/'>首页</a></nav>"
        "<footer>联系我们</footer></body></html>",
        "<html><head><title>登录</title></head><body><form><input name='u'></form>"
        "</body></html>",
    ],
)
def test_a_page_without_an_article_raises(html):
    with pytest.raises(ExtractionError):
        extract(html, "https://x.example/")
