import subprocess
import sys
from pathlib import Path

import opencc
import pytest

from ingest.dedupe import (
    MIN_NEAR_DUPLICATE_CHARS,
    NearDuplicateIndex,
    canonical_url,
    normalised_text,
    shingles,
    text_hash,
)

# Invented stories, written for these tests.
TITLE = "悉尼火车网络周一早高峰大面积延误"
PARAGRAPHS = [
    "本周一早高峰期间，悉尼火车网络因中央车站附近的信号系统故障出现大面积延误，"
    "数以万计的通勤者被困在站台或车厢内。新州交通部门表示，故障发生在早上六点四十分"
    "左右，技术人员随即赶往现场抢修，但受影响的线路直到九点半才逐步恢复正常运行。",
    "据交通部门发言人介绍，这次故障影响了包括西部线、北岸线和机场线在内的多条线路，"
    "部分列车被迫停在隧道里长达四十分钟。车站工作人员在各主要站点分发饮用水，"
    "并通过广播提醒乘客改乘巴士或轻轨。",
    "不少乘客在社交媒体上抱怨，车站内的信息显示屏长时间没有更新，广播内容也前后矛盾，"
    "导致大家不知道应该继续等待还是另找出路。一位在帕拉马塔上班的华人女士告诉记者，"
    "她平时四十分钟的路程今天花了将近两个小时，到公司时已经错过了一个重要会议。",
    "交通部长在当天下午的记者会上向公众致歉，并承诺将对信号系统进行全面检查。"
    "她说，政府已经拨款更新老旧设备，但部分升级工程要到明年年底才能完成。",
    "反对党交通事务发言人则批评政府对基础设施维护投入不足，"
    "要求公布过去三年信号故障的完整记录。",
    "交通部门提醒乘客，出行前可通过官方应用程序查询实时运行信息，"
    "如遇延误可保留车票记录申请补偿。",
]
STORY = TITLE + "\n\n" + "\n\n".join(PARAGRAPHS)

# Same city, same trains, same officials: a different story all the same.
OTHER_STORY = (
    "悉尼火车新时刻表下月起实施 部分线路班次减少\n\n"
    "新州交通部门周三公布了悉尼火车网络的新时刻表，将于下月第一个星期日正式实施。"
    "根据新方案，西部线和北岸线在早晚高峰的班次将有所增加，"
    "而机场线在深夜时段的班次则从每十五分钟一班调整为每半小时一班。\n\n"
    "交通部长表示，调整是根据过去一年的乘客刷卡数据作出的，"
    "目的是把有限的列车和司机资源集中在需求最大的时段。"
    "她承认部分夜班通勤者会受到影响，但强调新的信号系统投入使用后，"
    "整体准点率有望提高到百分之九十五以上。\n\n"
    "悉尼西区的一些华人商户对新时刻表表示担忧。一位在车站附近经营面包店的老板说，"
    "很多员工下班时间较晚，夜间班次减少后，他们可能不得不改为开车上班。"
    "通勤者权益团体则呼吁政府在正式实施前再举行一轮公众咨询，"
    "并在各车站张贴中英文对照的时刻表说明。\n\n"
    "交通部门提醒乘客，新时刻表已经上线官方应用程序，出行前请留意查询。"
)


def lightly_edited(story_paragraphs: list[str]) -> str:
    """Another outlet's copy: its own headline, one paragraph cut, a line added."""
    kept = [p for p in story_paragraphs if not p.startswith("反对党")]
    return "\n".join(
        [
            "周一早高峰：悉尼信号故障致多条火车线路瘫痪",
            *kept,
            "本报将继续关注事件进展。",
        ]
    )


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://news.example.com/a/2024/123.html?utm_source=wechat"
            "&utm_medium=social&spm=a2c4g.1&id=7&from=timeline&share=1&fbclid=X1",
            "https://news.example.com/a/2024/123.html?id=7",
        ),
        (
            "https://news.example.com/a/123.html?gclid=abc&page=2&id=7#comments",
            "https://news.example.com/a/123.html?id=7&page=2",
        ),
        ("HTTPS://News.Example.COM/Story/ABC", "https://news.example.com/Story/ABC"),
        ("http://example.com:80/x", "http://example.com/x"),
        ("https://example.com:443/x", "https://example.com/x"),
        ("https://example.com:8443/x", "https://example.com:8443/x"),
        ("https://example.com/news/", "https://example.com/news"),
        ("https://example.com/news/index.html", "https://example.com/news"),
        (
            "https://example.com/news/index.html?b=2&a=1",
            "https://example.com/news?a=1&b=2",
        ),
        ("https://example.com/", "https://example.com/"),
        ("https://example.com", "https://example.com/"),
        ("https://example.com/index.html", "https://example.com/"),
        ("  https://example.com/a?q=  ", "https://example.com/a?q="),
    ],
)
def test_canonical_url(url, expected):
    assert canonical_url(url) == expected


def test_canonical_url_keeps_what_identifies_the_page():
    # Path case matters on most servers, and a "myindex.html" is not an index page.
    assert canonical_url("https://a.example/News/myindex.html") == (
        "https://a.example/News/myindex.html"
    )
    assert canonical_url("https://a.example/x?id=1") != canonical_url(
        "https://a.example/x?id=2"
    )


def test_whitespace_and_punctuation_do_not_change_the_hash():
    reformatted = (
        STORY.replace("，", ",").replace("。", ". ").replace("\n\n", "\n  \t")
        + "\u200b"
    )
    fullwidth_digits = STORY.replace("西部线", "Ｔ１西部线")
    assert text_hash(reformatted) == text_hash(STORY)
    assert text_hash(fullwidth_digits) == text_hash(STORY.replace("西部线", "T1西部线"))
    assert text_hash(STORY.replace("四十分钟", "五十分钟")) != text_hash(STORY)


def test_traditional_script_hashes_like_simplified():
    traditional = opencc.OpenCC("s2t").convert(STORY)
    assert traditional != STORY
    assert normalised_text("悉尼火車站，鐵路。") == "悉尼火车站铁路"
    assert text_hash(traditional) == text_hash(STORY)


def test_shingles_are_character_grams_of_the_normalised_text():
    assert shingles("悉尼 火車，延誤") == {"悉尼火车延", "尼火车延误"}
    assert shingles("悉尼", k=5) == {"悉尼"}
    assert shingles("") == set()
    assert shingles(" ，。") == set()


@pytest.fixture
def index():
    index = NearDuplicateIndex()
    index.add("story", STORY)
    index.add("other", OTHER_STORY)
    return index


@pytest.mark.parametrize("config", ["s2t", "s2hk", "s2tw"])
def test_traditional_copy_is_a_near_duplicate(index, config):
    copy = opencc.OpenCC(config).convert(STORY)
    assert index.query(copy) == ["story"]


def test_lightly_edited_copy_is_a_near_duplicate(index):
    assert index.query(lightly_edited(PARAGRAPHS)) == ["story"]


def test_same_topic_different_story_is_not(index):
    assert index.query(OTHER_STORY) == ["other"]
    alone = NearDuplicateIndex()
    alone.add("story", STORY)
    assert alone.query(OTHER_STORY) == []


def test_best_match_comes_first():
    index = NearDuplicateIndex()
    index.add("edited", lightly_edited(PARAGRAPHS))
    index.add("original", STORY)
    assert index.query(STORY) == ["original", "edited"]


def test_adding_a_key_again_replaces_its_text(index):
    index.add("story", OTHER_STORY)
    assert index.query(STORY) == []
    assert index.query(OTHER_STORY) == ["other", "story"]
    assert len(index) == 2


def test_signature_round_trip():
    texts = {"story": STORY, "other": OTHER_STORY}
    # As a binary column hands them back: memoryview on PostgreSQL, bytes on SQLite.
    stored = {
        key: memoryview(NearDuplicateIndex.signature(text))
        for key, text in texts.items()
    }
    assert all(len(signature) == 128 * 4 for signature in stored.values())

    rebuilt = NearDuplicateIndex()
    for key, signature in stored.items():
        rebuilt.add_signature(key, bytes(signature))
    assert rebuilt.query(opencc.OpenCC("s2hk").convert(STORY)) == ["story"]
    assert rebuilt.query(lightly_edited(PARAGRAPHS)) == ["story"]
    assert rebuilt.query(OTHER_STORY) == ["other"]


def test_signature_of_the_wrong_size_is_refused():
    with pytest.raises(ValueError):
        NearDuplicateIndex().add_signature("x", b"\x00" * 100)
    with pytest.raises(ValueError):
        NearDuplicateIndex(num_perm=64).add_signature(
            "x", NearDuplicateIndex.signature(STORY)
        )


def test_signature_is_the_same_in_another_process():
    code = (
        "import sys; from ingest.dedupe import NearDuplicateIndex as I;"
        "sys.stdout.write(I.signature(sys.stdin.read()).hex())"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        input=STORY,
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
        env={"PYTHONHASHSEED": "12345", "PYTHONIOENCODING": "utf-8"},
    )
    assert result.stdout == NearDuplicateIndex.signature(STORY).hex()


def test_short_texts_use_the_exact_hash_only():
    first, second = "悉尼火车周一大面积延误", "悉尼火车周二大面积延误"
    assert len(normalised_text(first)) < MIN_NEAR_DUPLICATE_CHARS
    assert NearDuplicateIndex.signature(first) == b""

    index = NearDuplicateIndex()
    index.add("first", first)
    index.add("empty", "")
    index.add_signature("blank", b"")
    assert len(index) == 0
    assert index.query(second) == []
    assert index.query(first) == []
    assert index.query("") == []
    assert text_hash(first) != text_hash(second)
    assert text_hash(" ，") == text_hash("")


def test_long_enough_texts_are_indexed():
    text = PARAGRAPHS[0]
    assert len(normalised_text(text)) >= MIN_NEAR_DUPLICATE_CHARS
    index = NearDuplicateIndex()
    index.add("first", text)
    assert index.query(text) == ["first"]
