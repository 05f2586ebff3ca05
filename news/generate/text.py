"""Synthetic Chinese text for generated articles: words drawn with the frequencies of
jieba's dictionary, punctuation, planted names and places, and a few rare words."""

import html
import random
import re
import uuid
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import jieba
import numpy

DICTIONARY = Path(jieba.__file__).resolve().parent / "dict.txt"
HANZI = re.compile(r"^[\u4e00-\u9fff]+$")

# Real dictionary words (so a Chinese segmenter keeps each as one token) that the
# sampler never draws: every occurrence is planted, so a search for one has a known
# number of hits. None contains another.
RARE_WORDS = [
    "鸭嘴兽",
    "琵琶鱼",
    "鸸鹋",
    "针鼹",
    "海獭",
    "鹦鹉螺",
    "树袋熊",
    "食蚁兽",
    "犰狳",
    "穿山甲",
    "水獭",
    "海葵",
    "蜂鸟",
    "河狸",
    "树懒",
    "火烈鸟",
    "鲸鲨",
    "藏羚羊",
    "蝾螈",
    "变色龙",
]
# One article in RARE_EVERY carries a rare word, the words taking turns.
RARE_EVERY = 250

SUBURBS = [
    "查茨伍德",
    "好市围",
    "宝活",
    "博士山",
    "格伦韦弗利",
    "日光谷",
    "帕拉马塔",
    "伊斯特伍德",
    "罗兹",
    "坎普西",
    "车士活",
    "艾士菲",
    "唐卡斯特",
    "克莱顿",
    "麦格理园",
    "史庄菲",
    "卡灵福",
    "蒙特利",
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高梁宋郑谢韩唐冯于董萧程曹"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰建国志文嘉怡宇浩然"
CLAUSE_MARKS = "，，，，、；"
SENTENCE_MARKS = "。。。。！？"


def rare_word_for(sequence: int) -> str | None:
    """The rare word planted in the generated article with this sequence number."""
    if sequence % RARE_EVERY:
        return None
    return RARE_WORDS[(sequence // RARE_EVERY) % len(RARE_WORDS)]


class Vocabulary:
    """Words with their corpus frequencies, drawn by Walker's alias method (one uniform
    number picks a column, its fraction the word or its alias), vectorised."""

    def __init__(self, words: list[str], freqs: list[int]):
        size, total = len(words), sum(freqs)
        scaled = [freq * size / total for freq in freqs]
        accept, alias = [1.0] * size, list(range(size))
        small = [i for i, value in enumerate(scaled) if value < 1.0]
        large = [i for i, value in enumerate(scaled) if value >= 1.0]
        while small and large:
            low, high = small.pop(), large[-1]
            accept[low], alias[low] = scaled[low], high
            scaled[high] -= 1.0 - scaled[low]
            if scaled[high] < 1.0:
                small.append(large.pop())
        self.freqs = freqs
        self.words = numpy.array(words, dtype=object)
        self.accept = numpy.array(accept)
        self.alias = numpy.array(alias, dtype=numpy.int64)

    def draw(self, generator: numpy.random.Generator, count: int) -> list[str]:
        point = generator.random(count) * len(self.words)
        column = point.astype(numpy.int64)
        keep = point - column < self.accept[column]
        return self.words[numpy.where(keep, column, self.alias[column])].tolist()


class WordStream:
    """An article's own sequence of words, drawn a block at a time."""

    block = 512

    def __init__(self, vocab: Vocabulary, seed: int):
        self.vocab = vocab
        self.generator = numpy.random.Generator(numpy.random.PCG64(seed))
        self.buffer: list[str] = []
        self.position = 0

    def take(self, count: int) -> list[str]:
        end = self.position + count
        if end > len(self.buffer):
            rest = self.buffer[self.position :]
            self.buffer = rest + self.vocab.draw(self.generator, self.block + count)
            self.position, end = 0, count
        taken = self.buffer[self.position : end]
        self.position = end
        return taken


@cache
def vocabulary() -> Vocabulary:
    """jieba's dictionary as (word, frequency), Chinese words only, without the rare
    words and the words inside them (which could join into one by chance)."""
    blocked = set(RARE_WORDS)
    for rare in RARE_WORDS:
        for size in range(2, len(rare)):
            blocked.update(rare[i : i + size] for i in range(len(rare) - size + 1))
    containing = re.compile("|".join(RARE_WORDS))
    words, freqs = [], []
    with DICTIONARY.open(encoding="utf-8") as lines:
        for line in lines:
            word, freq, _tag = line.split(" ")
            if word in blocked or not HANZI.match(word) or containing.search(word):
                continue
            words.append(word)
            freqs.append(int(freq))
    return Vocabulary(words, freqs)


@cache
def common_words(count: int = 2000, skip: int = 100) -> list[str]:
    """Frequent words of two or more characters, most frequent first (for keywords
    and for one-word search queries); the very commonest are skipped."""
    vocab = vocabulary()
    ranked = sorted(
        (
            (freq, word)
            for word, freq in zip(vocab.words, vocab.freqs, strict=True)
            if len(word) >= 2
        ),
        reverse=True,
    )
    return [word for _freq, word in ranked[skip : skip + count]]


def between(rng: random.Random, low: int, high: int) -> int:
    """rng.randint without its overhead, which shows at a billion calls."""
    return low + int(rng.random() * (high - low + 1))


def pick(rng: random.Random, items):
    return items[int(rng.random() * len(items))]


def person_name(rng: random.Random) -> str:
    return pick(rng, SURNAMES) + "".join(
        pick(rng, GIVEN) for _ in range(between(rng, 1, 2))
    )


def clauses(
    rng: random.Random, stream: WordStream, length: int, planted: list[str]
) -> str:
    """About `length` characters of sentences; `planted` words each open a clause."""
    parts, size = [], 0
    planted = list(planted)
    while size < length or planted:
        if planted and rng.random() < 0.5:
            # The comma keeps a segmenter from joining the word to the next one.
            words = [planted.pop(), "，", *stream.take(between(rng, 2, 6))]
        else:
            words = stream.take(between(rng, 3, 9))
        clause = "".join(words)
        mark = pick(rng, SENTENCE_MARKS if rng.random() < 0.4 else CLAUSE_MARKS)
        parts.append(clause + mark)
        size += len(clause) + 1
    text = "".join(parts)
    return text[:-1] + "。"


@dataclass
class ArticleText:
    title: str
    summary: str
    paragraphs: list[str]

    def body(self, rng: random.Random) -> list[dict]:
        """The StreamField's raw data: one paragraph block per paragraph."""
        return [
            {
                "type": "paragraph",
                "value": f"<p>{html.escape(text)}</p>",
                "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            }
            for text in self.paragraphs
        ]


def article_text(
    rng: random.Random, places: list[str], rare_word: str | None = None
) -> ArticleText:
    """A title of 8–25 characters and 3–8 paragraphs of 60–200 characters, naming
    people and places; `rare_word` lands in one paragraph."""
    stream = WordStream(vocabulary(), rng.getrandbits(64))
    title = ""
    if rng.random() < 0.4:
        title = pick(rng, places)
    target = between(rng, 8, 25)
    while len(title) < target:
        title += "".join(stream.take(2))
    title = title[:target]
    count = between(rng, 3, 8)
    planted: list[list[str]] = [[] for _ in range(count)]
    for _ in range(between(rng, 1, 3)):
        pick(rng, planted).append(person_name(rng))
    for _ in range(between(rng, 1, 2)):
        pick(rng, planted).append(pick(rng, places))
    if rare_word:
        pick(rng, planted).append(rare_word)
    paragraphs = [
        clauses(rng, stream, between(rng, 60, 200) - 10, words) for words in planted
    ]
    first = paragraphs[0]
    cut = first.find("。")
    summary = first[: cut + 1] if 0 < cut < 120 else first[:120]
    return ArticleText(title=title, summary=summary, paragraphs=paragraphs)


def comment_text(rng: random.Random, stream: WordStream) -> str:
    """A reader's comment of 10–80 characters: a clause or a few, sometimes ending
    in an exclamation or a question."""
    target = between(rng, 10, 80)
    parts, size = [], 0
    while size < target:
        clause = "".join(stream.take(between(rng, 2, 7)))
        parts.append(clause + pick(rng, CLAUSE_MARKS))
        size += len(clause) + 1
    return "".join(parts)[: target - 1] + pick(rng, SENTENCE_MARKS)
