"""The word filter: evasions it must see through, the allow-list, the verdicts, words
stored through the ORM and the import command."""

import io
import random

import pytest
from django.core.cache import cache
from django.core.management import call_command

from comments import wordfilter
from comments.models import FilterWord
from comments.wordfilter import Verdict, build_matcher, normalise

BANNED = ["赌博", "彩票666", "fakebet"]
SUSPECT = ["代购", "加群"]
ALLOWED = ["反赌博", "代购点评"]
CLEAN = "今天的社区活动很热闹，大家在公园里聊天，孩子们放风筝。"

REJECT_GAMBLING = Verdict("reject", ("赌博",))
ALLOW = Verdict("allow", ())


@pytest.fixture(scope="module")
def matcher():
    return build_matcher(BANNED, SUSPECT, ALLOWED)


@pytest.mark.parametrize(
    "text,expected",
    [
        ("ＦａｋｅＢｅｔ", "fakebet"),
        ("F-a-k-e b.e.t!", "fakebet"),
        ("賭博", "赌博"),
        ("赌\u200b博\u200d\ufeff", "赌博"),
        ("彩票陸陸陸", "彩票666"),
        ("赌\ud800博", "赌博"),  # a lone surrogate, as JSON can deliver one
        ("", ""),
        ("…… ！？", ""),
    ],
)
def test_normalise(text, expected):
    assert normalise(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "赌博",
        "这里可以赌 博",
        "赌，博。",
        "赌😀博",
        "赌\u200b博",
        "赌\u200d博",
        "赌\ufeff博",
        "賭博",
        "賭 💰 博",
    ],
)
def test_evasions_of_a_chinese_word_are_caught(matcher, text):
    assert matcher.check(text) == REJECT_GAMBLING


@pytest.mark.parametrize(
    "text",
    ["ＦａｋｅＢｅｔ", "try fake-bet now", "F A K E B E T", "fake\u200bbet", "ⓕⓐⓚⓔⓑⓔⓣ"],
)
def test_evasions_of_a_latin_word_are_caught(matcher, text):
    assert matcher.check(text) == Verdict("reject", ("fakebet",))


@pytest.mark.parametrize(
    "text",
    [
        "彩票六六六",
        "彩票陆陆陆",
        "彩票陸陸陸",
        "彩票⑥⑥⑥",
        "彩票６６６",
        "彩票❻❻❻",
        "綵票 6⑥６",
    ],
)
def test_digit_variants_are_caught(matcher, text):
    verdict = matcher.check(text)
    assert verdict.action == "reject"
    assert verdict.words == ("彩票666",)


def test_allow_list_prevents_a_false_positive(matcher):
    assert matcher.check("我们支持反赌博宣传") == ALLOW
    assert matcher.check("写一篇代购点评") == ALLOW


def test_a_word_outside_the_allowed_span_still_counts(matcher):
    assert matcher.check("说是反赌博，其实在赌博") == REJECT_GAMBLING


def test_suspect_holds(matcher):
    assert matcher.check("需要代购的私信我") == Verdict("hold", ("代购",))
    assert matcher.check("代购，加群！") == Verdict("hold", ("代购", "加群"))


def test_banned_beats_suspect(matcher):
    assert matcher.check("代购彩票666，加群赌博") == Verdict(
        "reject", ("彩票666", "赌博")
    )


def test_clean_text_and_empty_text_are_allowed(matcher):
    assert matcher.check(CLEAN) == ALLOW
    assert matcher.check("") == ALLOW


def test_long_comment(matcher):
    text = (CLEAN * 80)[:2000]
    assert len(text) == 2000
    assert matcher.check(text) == ALLOW
    planted = text[:1000] + "赌\u200b博" + text[1000:1997]
    assert len(planted) == 2000
    assert matcher.check(planted) == REJECT_GAMBLING


def test_no_words_allow_everything():
    assert build_matcher([], [], []).check("赌博") == ALLOW
    # A word that is nothing but punctuation can never match and is left out.
    assert build_matcher(["！！"], [], []).check("！！") == ALLOW


def test_words_normalising_alike_take_the_stricter_kind():
    matcher = build_matcher(["賭博"], ["赌博"], ["赌 博"])
    assert matcher.check("赌博") == Verdict("reject", ("賭博",))


def test_ten_thousand_words():
    rng = random.Random(20260509)
    words = [
        "".join(chr(rng.randint(0x4E00, 0x9FA5)) for _ in range(rng.randint(2, 4)))
        for _ in range(10_000)
    ]
    matcher = build_matcher(words[:8000], words[8000:], [])
    assert matcher.check(CLEAN) == ALLOW
    assert matcher.check(CLEAN + words[4321] + CLEAN) == Verdict(
        "reject", (words[4321],)
    )
    assert matcher.check(CLEAN + words[9876]) == Verdict("hold", (words[9876],))


def commit(capture):
    # The tests run inside a transaction; this runs the on_commit callbacks, and so
    # invalidate(), as a real commit would.
    return capture(execute=True)


@pytest.mark.django_db
def test_stored_words_take_effect_without_restart(django_capture_on_commit_callbacks):
    assert wordfilter.check("这里有赌博") == ALLOW
    with commit(django_capture_on_commit_callbacks):
        word = FilterWord.objects.create(word="赌博", kind=FilterWord.Kind.BANNED)
    assert wordfilter.check("这里有賭 博") == REJECT_GAMBLING
    with commit(django_capture_on_commit_callbacks):
        word.kind = FilterWord.Kind.SUSPECT
        word.save()
    assert wordfilter.check("这里有赌博") == Verdict("hold", ("赌博",))
    with commit(django_capture_on_commit_callbacks):
        FilterWord.objects.create(word="反赌博", kind=FilterWord.Kind.ALLOWED)
    assert wordfilter.check("我们反赌博") == ALLOW
    with commit(django_capture_on_commit_callbacks):
        word.delete()
    assert wordfilter.check("这里有赌博") == ALLOW


@pytest.mark.django_db
def test_a_flushed_cache_rebuilds_the_matcher():
    assert wordfilter.check("赌博") == ALLOW
    # Without a commit no invalidate() runs; losing the version must still count.
    FilterWord.objects.create(word="赌博", kind=FilterWord.Kind.BANNED)
    cache.clear()
    assert wordfilter.check("赌博") == REJECT_GAMBLING


LIST = ["# gambling", "", "  赌博  ", "代购", "赌博", "长" * 51, "彩票666\n"]


@pytest.mark.django_db
def test_import_words(django_capture_on_commit_callbacks):
    FilterWord.objects.create(word="代购", kind=FilterWord.Kind.SUSPECT)
    with commit(django_capture_on_commit_callbacks):
        counts = wordfilter.import_words(LIST, FilterWord.Kind.BANNED)
    # Skipped: 代购 (exists), the second 赌博 and the word that is too long.
    assert counts == {"added": 2, "updated": 0, "skipped": 3, "too_long": ["长" * 51]}
    assert dict(FilterWord.objects.values_list("word", "kind")) == {
        "赌博": "banned",
        "彩票666": "banned",
        "代购": "suspect",
    }
    assert wordfilter.check("彩票６６６") == Verdict("reject", ("彩票666",))


@pytest.mark.django_db
def test_import_words_replacing_kinds(django_capture_on_commit_callbacks):
    FilterWord.objects.create(word="代购", kind=FilterWord.Kind.SUSPECT)
    FilterWord.objects.create(word="赌博", kind=FilterWord.Kind.BANNED)
    with commit(django_capture_on_commit_callbacks):
        counts = wordfilter.import_words(LIST, FilterWord.Kind.BANNED, replace=True)
    assert counts == {"added": 1, "updated": 1, "skipped": 3, "too_long": ["长" * 51]}
    assert FilterWord.objects.get(word="代购").kind == "banned"
    assert wordfilter.check("代购") == Verdict("reject", ("代购",))


@pytest.mark.django_db
def test_import_words_refuses_an_unknown_kind():
    with pytest.raises(ValueError):
        wordfilter.import_words(["赌博"], "forbidden")


@pytest.mark.django_db
def test_import_command(tmp_path, django_capture_on_commit_callbacks):
    FilterWord.objects.create(word="代购", kind=FilterWord.Kind.BANNED)
    path = tmp_path / "words.txt"
    path.write_text("\ufeff# 测试词表\n代购\n加群\n\n" + "长" * 51 + "\n私聊\n")
    out, err = io.StringIO(), io.StringIO()
    with commit(django_capture_on_commit_callbacks):
        call_command(
            "import_filter_words", str(path), kind="suspect", stdout=out, stderr=err
        )
    assert out.getvalue() == "added 2, skipped 2\n"
    assert "长" * 51 in err.getvalue()
    assert FilterWord.objects.get(word="代购").kind == "banned"
    assert wordfilter.check("加群私聊") == Verdict("hold", ("加群", "私聊"))

    with commit(django_capture_on_commit_callbacks):
        call_command(
            "import_filter_words",
            str(path),
            kind="suspect",
            replace=True,
            stdout=out,
            stderr=err,
        )
    assert out.getvalue().endswith("added 0, updated 1, skipped 3\n")
    assert FilterWord.objects.get(word="代购").kind == "suspect"
