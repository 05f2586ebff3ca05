"""One normalisation of Chinese text for index and query: fold, segment, clean.

Indexed text becomes space-separated tokens that SQLite's unicode61 tokenizer and
PostgreSQL's `simple` configuration both split into the same words.
"""

import re
import threading
import time
import unicodedata
import uuid
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import opencc
from django.core.cache import cache

if TYPE_CHECKING:
    import rjieba

PLACES_FILE = Path(__file__).parent / "data" / "places.txt"
VERSION_KEY = "portal_search:dictionary-version"
# Queries longer than this are cut; nobody types more, and the database thanks us.
MAX_QUERY_CHARS = 200
MAX_QUERY_WORDS = 12
REBUILD_SECONDS = 30

_CJK_CHARS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_CJK_RUN = re.compile(f"[{_CJK_CHARS}]+")
# A token is a run of Chinese characters or a run of other letters and digits;
# everything else (punctuation, symbols, emoji, underscores) separates tokens.
_TOKEN = re.compile(f"[{_CJK_CHARS}]+|[^\\W_{_CJK_CHARS}]+")

_t2s = opencc.OpenCC("t2s.json")


def fold(text: str) -> str:
    """Compatibility forms, Traditional characters and letter case folded away."""
    text = unicodedata.normalize("NFKC", text)
    return _t2s.convert(text).casefold()


@lru_cache(maxsize=8192)
def fold_char(char: str) -> str:
    """`fold` of one character, for mapping folded text back to the original."""
    return fold(char)


def is_cjk(token: str) -> bool:
    return bool(_CJK_RUN.fullmatch(token))


def bigrams(run: str) -> list[str]:
    return [run[i : i + 2] for i in range(len(run) - 1)]


# The user dictionary ------------------------------------------------------------

_lock = threading.Lock()
_loaded: "tuple[object, rjieba.Jieba, float] | None" = None


def place_names() -> list[str]:
    lines = PLACES_FILE.read_text(encoding="utf-8").splitlines()
    return [line.split("#")[0].strip() for line in lines if line.split("#")[0].strip()]


def dictionary_words() -> set[str]:
    """Place names from the data file, the cities and the portal's keywords."""
    from taggit.models import Tag

    from editions.models import City

    words = set(place_names())
    for name, slug in City.objects.values_list("name", "slug"):
        words.update((name, slug))
    words.update(Tag.objects.values_list("name", flat=True))
    # Only words that stay one Chinese token after folding can join the dictionary.
    return {fold(word) for word in words if len(fold(word)) > 1 and is_cjk(fold(word))}


def segmenter() -> "rjieba.Jieba":
    """The process's segmenter, rebuilt when cities or keywords changed.

    Rebuilt at most every REBUILD_SECONDS, so an import that adds a keyword per
    story does not rebuild it per story; recall never waits for it (see bigrams).
    """
    global _loaded
    version = cache.get(VERSION_KEY, 0)
    loaded = _loaded
    if loaded is not None and (
        loaded[0] == version or time.monotonic() - loaded[2] < REBUILD_SECONDS
    ):
        return loaded[1]
    with _lock:
        if _loaded is None or _loaded[0] != version:
            _loaded = (version, build_segmenter(dictionary_words()), time.monotonic())
        return _loaded[1]


def build_segmenter(words: set[str]) -> "rjieba.Jieba":
    """A segmenter knowing `words` (see `dictionary_words`)."""
    # Imported here: its dictionary is about 30 MB, which a worker that never
    # segments (most of them never serve a search) should not carry.
    import rjieba

    jieba = rjieba.Jieba()
    for word in sorted(words):
        jieba.add_word(word, None, None)
    return jieba


def dictionary_changed(**kwargs) -> None:
    """Signal receiver: every process rebuilds its segmenter on next use."""
    cache.set(VERSION_KEY, uuid.uuid4().hex, None)


# Index and query ----------------------------------------------------------------


def index_tokens(text: str, jieba: "rjieba.Jieba | None" = None) -> list[str]:
    """Tokens to index: the words (and their sub-words) plus every Chinese bigram.

    The bigrams make recall independent of how a sentence happened to be segmented
    or of words added to the dictionary later: any Chinese word of two or more
    characters in the text can be found through its bigrams. `jieba` defaults to
    the process's segmenter; bulk indexing workers, which have no database, pass
    their own.
    """
    folded = fold(text)
    tokens = []
    for word in (jieba or segmenter()).cut_for_search(folded):
        for token in _TOKEN.findall(word):
            # Two-character Chinese words are among the bigrams already.
            if not (len(token) == 2 and is_cjk(token)):
                tokens.append(token)
    for run in _CJK_RUN.findall(folded):
        tokens.extend(bigrams(run))
        if len(run) > 1:
            # With the bigrams' first characters, this lets one character be found.
            tokens.append(run[-1])
    return tokens


def index_text(text: str, jieba: "rjieba.Jieba | None" = None) -> str:
    return " ".join(index_tokens(text, jieba))


def query_words(text: str) -> list[str]:
    """The words of a reader's query, folded like the index; no syntax survives."""
    folded = fold(text[:MAX_QUERY_CHARS])
    words = []
    for word in segmenter().cut(folded):
        for token in _TOKEN.findall(word):
            if token not in words:
                words.append(token)
    return words[:MAX_QUERY_WORDS]


def word_alternatives(word: str) -> list[list[str]]:
    """Ways an indexed document can contain `word`: any of these token sets.

    A Chinese word of three or more characters is found as itself, or, when the
    document was segmented differently, as all of its bigrams. One Chinese character
    is found as itself or as the start of a token: "*" marks a prefix.
    """
    if len(word) > 2 and is_cjk(word):
        return [[word], bigrams(word)]
    if len(word) == 1 and is_cjk(word):
        return [[word], [word + "*"]]
    return [[word]]
