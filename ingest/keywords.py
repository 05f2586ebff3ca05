"""Keyword suggestions for editors: TF-IDF over jieba's nouns, names and places,
weighted by how common a word is across the portal's own articles."""

import functools
import html
import logging
import math
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from django.core.cache import cache
from django.utils.html import strip_tags

from editions.models import City
from news.models import ArticleKeyword, ArticlePage

if TYPE_CHECKING:
    import jieba.posseg

# jieba is imported where it is used: jieba.posseg loads its HMM tables (about
# 100 MB) at import, which every web worker would otherwise carry (docs/benchmarks.md,
# "Memory").

ALLOWED_POS = frozenset({"nr", "ns", "nt", "nz", "n", "vn"})
# jieba's own dictionary tags transliterated and compound names nrt and nrfg.
NAME_POS_PREFIX = "nr"
MIN_CHARS = 2
TITLE_WEIGHT = 2
STOPWORDS_PATH = Path(__file__).parent / "data" / "stopwords.txt"

IDF_CACHE_KEY = "ingest:keywords:portal-idf"
IDF_CACHE_SECONDS = 24 * 60 * 60
# Enough articles for document frequencies to settle; segmenting every article
# of a large archive would take minutes.
IDF_SAMPLE_SIZE = 5000

# jieba logs the dictionary load at DEBUG to stderr through its own handler.
logging.getLogger("jieba").setLevel(logging.WARNING)


@functools.cache
def _pos_tokenizer() -> "jieba.posseg.POSTokenizer":
    import jieba
    import jieba.posseg

    # A private Tokenizer, so portal words never reach the global jieba.dt that
    # other code may use. Loading its dictionary takes about a second (longer the
    # first time, while jieba writes its cache file), so it happens on first use.
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return jieba.posseg.POSTokenizer(tokenizer)


_added_words: set[str] = set()


def _add_words(words: Iterable[str], tag: str) -> None:
    """Teach the private tokenizer `words` as whole words; known words keep their
    dictionary tag. Words removed from the portal stay learnt until restart."""
    tokenizer = _pos_tokenizer().tokenizer
    for word in words:
        if word in _added_words:
            continue
        known = tokenizer.FREQ.get(word, 0) > 0
        tokenizer.add_word(word, tag=None if known else tag)
        _added_words.add(word)


@functools.cache
def _stopwords() -> frozenset[str]:
    lines = STOPWORDS_PATH.read_text(encoding="utf-8").splitlines()
    return frozenset(
        line.strip() for line in lines if line.strip() and not line.startswith("#")
    )


@functools.cache
def _jieba_idf() -> tuple[dict[str, float], float]:
    from jieba.analyse.tfidf import DEFAULT_IDF, IDFLoader

    return IDFLoader(DEFAULT_IDF).get_idf()


def _is_candidate(word: str, flag: str) -> bool:
    return (
        len(word) >= MIN_CHARS
        and not word.isdigit()
        and (flag in ALLOWED_POS or flag.startswith(NAME_POS_PREFIX))
        and word not in _stopwords()
    )


def _candidates(text: str) -> list[str]:
    return [pair.word for pair in _pos_tokenizer().cut(text) if _is_candidate(*pair)]


def suggest_keywords(
    title: str,
    text: str,
    *,
    limit: int = 6,
    idf: dict[str, float] | None = None,
) -> list[str]:
    """Up to `limit` keywords for a story, best first.

    `idf` None means the portal's (see portal_idf); an empty dict means jieba's
    bundled IDF. The portal's place names and used keywords count as single words.
    """
    if not (title.strip() or text.strip()) or limit <= 0:
        return []
    _load_portal_words()
    if idf is None:
        idf = portal_idf()
    if idf:
        # A word the portal has never used is at least as telling as its rarest.
        idfs, unseen_idf = idf, max(idf.values())
    else:
        idfs, unseen_idf = _jieba_idf()

    # Counted case-insensitively; the first spelling met is the one suggested.
    weights: Counter[str] = Counter()
    spelling: dict[str, str] = {}
    for source, weight in ((title, TITLE_WEIGHT), (text, 1)):
        for word in _candidates(source):
            key = word.casefold()
            spelling.setdefault(key, word)
            weights[key] += weight
    if not weights:
        return []

    total = sum(weights.values())
    order = {key: position for position, key in enumerate(spelling)}
    scores = {
        key: count / total * idfs.get(spelling[key], unseen_idf)
        for key, count in weights.items()
    }
    # Equal scores keep the order of first appearance, title first.
    ranked = sorted(scores, key=lambda key: (-scores[key], order[key]))
    return [spelling[key] for key in ranked[:limit]]


def build_idf(documents: Iterable[str]) -> dict[str, float]:
    """Smoothed inverse document frequency of every candidate word: ln((1+N) /
    (1+df)) + 1, so a word in every document scores 1 and none scores 0."""
    frequencies: Counter[str] = Counter()
    count = 0
    for document in documents:
        count += 1
        frequencies.update(set(_candidates(document)))
    return {
        word: math.log((1 + count) / (1 + df)) + 1 for word, df in frequencies.items()
    }


def portal_idf() -> dict[str, float]:
    """build_idf over the newest live articles, cached for a day; {} when there
    are none, which suggest_keywords takes to mean jieba's bundled IDF."""
    idf = cache.get(IDF_CACHE_KEY)
    if idf is None:
        _load_portal_words()
        idf = build_idf(_article_texts())
        cache.set(IDF_CACHE_KEY, idf, IDF_CACHE_SECONDS)
    return idf


def _article_texts() -> Iterable[str]:
    articles = (
        ArticlePage.objects.live()
        .order_by("-published_at")
        .only("title", "summary", "body")[:IDF_SAMPLE_SIZE]
    )
    for article in articles.iterator(chunk_size=200):
        yield "\n".join([article.title, article.summary, *_paragraphs(article)])


def _paragraphs(article) -> list[str]:
    # The raw JSON, so rich-text links are not expanded with a query each.
    return [
        html.unescape(strip_tags(block.get("value") or ""))
        for block in article.body.raw_data
        if block.get("type") == "paragraph"
    ]


def place_names() -> list[str]:
    """City names and the keywords already used on articles, for the tokenizer."""
    cities, keywords = _portal_words()
    return sorted({*cities, *keywords})


def _load_portal_words() -> None:
    cities, keywords = _portal_words()
    # Cities are places; other keywords are proper nouns of some kind.
    _add_words(cities, "ns")
    _add_words(keywords, "nz")


def _portal_words() -> tuple[list[str], list[str]]:
    cities = City.objects.values_list("name", flat=True)
    keywords = ArticleKeyword.objects.values_list("tag__name", flat=True).distinct()
    return _usable(cities), _usable(keywords)


def _usable(words: Iterable[str]) -> list[str]:
    # jieba never joins across whitespace, so such a word could not be cut out.
    stripped = (word.strip() for word in words)
    return [
        word
        for word in stripped
        if len(word) >= MIN_CHARS and not any(char.isspace() for char in word)
    ]
