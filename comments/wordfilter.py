"""The word filter for comments and nicknames: banned words reject, suspect words hold
for review, matched with Aho-Corasick on text normalised against common evasions."""

import functools
import re
import threading
import time
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from typing import NamedTuple

import ahocorasick
import opencc
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save

# The values of FilterWord.Kind, spelled out so that this module imports without
# Django settings (the benchmark builds matchers with no project set up).
BANNED = "banned"
SUSPECT = "suspect"
ALLOWED = "allowed"

ALLOW = "allow"
HOLD = "hold"
REJECT = "reject"

# Building a converter loads OpenCC's dictionaries; one per process is enough.
_T2S = opencc.OpenCC("t2s")

# In Python's Unicode regexes \w is exactly the letters (L*) and numbers (N*) plus
# "_", so this matches spaces, punctuation, symbols, emoji, combining marks and the
# zero-width characters (Cf) that evaders put between the characters of a word.
_NOT_LETTER_OR_DIGIT = re.compile(r"[\W_]+")


def _is_separator(char: str) -> bool:
    """Neither a letter nor a digit, nor a character NFKC turns into some (Ⓐ, ℡),
    nor a combining mark NFKC may compose with the letter before it."""
    if not _NOT_LETTER_OR_DIGIT.match(char) or unicodedata.category(char)[0] == "M":
        return False
    if not unicodedata.decomposition(char):
        return True
    return not _NOT_LETTER_OR_DIGIT.sub("", unicodedata.normalize("NFKD", char))


# NFKC of a whole comment costs far more than the rest of normalise() together, as
# soon as the comment holds full-width punctuation, i.e. always. So the separators
# go first, in one pass, and of what remains only the runs of characters other than
# _PLAIN ones need NFKC. The class holds BMP characters only: for those re tests
# membership in constant time, while one character beyond makes it scan the class's
# ranges.
_SEPARATORS = re.compile(
    "["
    + re.escape("".join(c for c in map(chr, range(0x10000)) if _is_separator(c)))
    + "]+"
)
# ASCII letters and digits and the CJK Unified Ideographs: most of a comment once
# the separators are gone, and all of it often enough to check for that first.
_PLAIN = "A-Za-z0-9\u4e00-\u9fff"
_ALL_PLAIN = re.compile(f"[{_PLAIN}]*")
# A letter or digit before a run joins it: a mark in the run may compose with it.
_RUN = re.compile(f"[A-Za-z0-9]?[^{_PLAIN}]+")

# NFKC already folds full-width, circled and parenthesised digits; this also maps
# the digits of other scripts and the dingbat ones (❶, ➀), which NFKC leaves alone.
# Every digit character lies in planes 0-1, so scanning those is enough.
_DIGITS = str.maketrans(
    {
        chr(code): str(digit)
        for code in range(0x80, 0x20000)
        if (digit := unicodedata.digit(chr(code), None)) is not None
    }
)
# Chinese numerals and their financial forms, written out to dodge digit filters.
_NUMERALS = dict(
    zip("零〇一二三四五六七八九壹贰叁肆伍陆柒捌玖", "00123456789123456789", strict=True)
)
_NUMERAL = re.compile(f"[{''.join(_NUMERALS)}]")

_VERSION_KEY = "wordfilter:version"


class Verdict(NamedTuple):
    action: str  # ALLOW, HOLD or REJECT
    # The configured words that matched: the banned ones if rejected, else the
    # suspect ones; empty when allowed.
    words: tuple[str, ...]


_ALLOWED_VERDICT = Verdict(ALLOW, ())


def normalise(text: str) -> str:
    """The text reduced to lower-case Simplified letters and ASCII digits, the same
    for the words and for the text matched against them."""
    text = _SEPARATORS.sub("", text)
    if not _ALL_PLAIN.fullmatch(text):
        text = _RUN.sub(lambda run: _fold_run(run[0]), text)
    text = text.casefold()
    # After the conversion, so that Traditional financial numerals (貳, 陸) are in
    # the Simplified forms listed.
    return _NUMERAL.sub(lambda numeral: _NUMERALS[numeral[0]], _T2S.convert(text))


# Cached because the same few runs (emoji, say) come back comment after comment.
@functools.lru_cache(maxsize=4096)
def _fold_run(run: str) -> str:
    folded = unicodedata.normalize("NFKC", run).casefold()
    return _NOT_LETTER_OR_DIGIT.sub("", folded).translate(_DIGITS)


def _utf8_units(text: str) -> str:
    """The UTF-8 bytes of the text, one character per byte.

    pyahocorasick finds a node's child by a linear scan of its children, and a
    Chinese word list gives the root thousands of them, one per first character:
    10,000 words made a 2,000-character check take milliseconds. Over UTF-8 bytes
    no node has more than 64 children (a few at the root), and as UTF-8 synchronises
    itself, a word's bytes can only match where the word's characters do.
    """
    return text.encode().decode("latin-1")


class Matcher:
    """Banned, suspect and allowed words compiled into one Aho-Corasick automaton."""

    def __init__(self, automaton: ahocorasick.Automaton | None) -> None:
        # None when there are no words: nothing to normalise or scan for.
        self._automaton = automaton

    def check(self, text: str) -> Verdict:
        if self._automaton is None:
            return _ALLOWED_VERDICT
        allowed_spans: list[tuple[int, int]] = []
        hits: list[tuple[int, int, str, str]] = []
        # Spans count UTF-8 bytes, which serves comparing them just as well.
        units = _utf8_units(normalise(text))
        for end, (length, kind, word) in self._automaton.iter(units):
            start = end - length + 1
            if kind == ALLOWED:
                allowed_spans.append((start, end))
            else:
                hits.append((start, end, kind, word))
        # An allowed word can end after the words inside it, so it is only known
        # once the whole text has been scanned.
        found: dict[str, dict[str, None]] = {BANNED: {}, SUSPECT: {}}
        for start, end, kind, word in hits:
            if not any(a <= start and end <= b for a, b in allowed_spans):
                found[kind][word] = None
        if found[BANNED]:
            return Verdict(REJECT, tuple(found[BANNED]))
        if found[SUSPECT]:
            return Verdict(HOLD, tuple(found[SUSPECT]))
        return _ALLOWED_VERDICT


def build_matcher(
    banned: Iterable[str], suspect: Iterable[str], allowed: Iterable[str]
) -> Matcher:
    """A matcher for these words; pure, so tests and benchmarks need no database."""
    entries: dict[str, tuple[str, str]] = {}
    # Words are normalised like the text, so a word list written in Traditional
    # characters or full-width letters still matches. When two words normalise to
    # the same key, the stricter kind wins: it is assigned last.
    for kind, words in ((ALLOWED, allowed), (SUSPECT, suspect), (BANNED, banned)):
        for word in words:
            if key := normalise(word):
                entries[key] = (kind, word)
    if not entries:
        return Matcher(None)
    automaton = ahocorasick.Automaton()
    for key, (kind, word) in entries.items():
        units = _utf8_units(key)
        automaton.add_word(units, (len(units), kind, word))
    automaton.make_automaton()
    return Matcher(automaton)


# The matcher of this process and the cache version it was built for.
_current: tuple[int, Matcher] | None = None
_build_lock = threading.Lock()


def _version() -> int:
    version = cache.get(_VERSION_KEY)
    if version is None:
        # Missing at first or after a cache flush. A start taken from the clock is
        # far beyond any counter an earlier start has reached, so it differs from
        # every version a process built its matcher for, and all of them rebuild.
        # add() lets the first of several processes set it for the others.
        start = time.time_ns()
        cache.add(_VERSION_KEY, start, timeout=None)
        version = cache.get(_VERSION_KEY, start)
    return version


def _load() -> Matcher:
    from comments.models import FilterWord

    words: defaultdict[str, list[str]] = defaultdict(list)
    for kind, word in FilterWord.objects.values_list("kind", "word"):
        words[kind].append(word)
    return build_matcher(words[BANNED], words[SUSPECT], words[ALLOWED])


def _matcher() -> Matcher:
    global _current
    # Read before the words: an edit committed meanwhile then shows up as a newer
    # version on the next call, never as a stale matcher filed under the new one.
    version = _version()
    current = _current
    if current is not None and current[0] == version:
        return current[1]
    with _build_lock:
        # Another thread may have built it while this one waited.
        if _current is None or _current[0] != version:
            _current = (version, _load())
        return _current[1]


def check(text: str) -> Verdict:
    """The verdict on a comment or nickname under the words stored in FilterWord."""
    return _matcher().check(text)


def invalidate() -> None:
    """Make every process rebuild its matcher on its next check."""
    try:
        cache.incr(_VERSION_KEY)
    except ValueError:
        # No version yet: any new value differs from the ones matchers were built
        # for, and the clock gives one that cannot repeat an old counter.
        cache.add(_VERSION_KEY, time.time_ns(), timeout=None)


def import_words(
    lines: Iterable[str], kind: str, replace: bool = False
) -> dict[str, int | list[str]]:
    """Store the words of a word list, one a line; "#" lines and blank ones are
    skipped. Existing words keep their kind unless replace is set. Returns the counts
    added, updated and skipped, and the too_long words (skipped as well)."""
    from comments.models import FilterWord

    if kind not in FilterWord.Kind.values:
        raise ValueError(f"unknown kind {kind!r}")
    max_length = FilterWord._meta.get_field("word").max_length
    words: dict[str, None] = {}  # ordered and without repeats
    too_long: list[str] = []
    read = 0
    for line in lines:
        word = line.strip()
        if not word or word.startswith("#"):
            continue
        read += 1
        if len(word) > max_length:
            too_long.append(word)
        else:
            words[word] = None
    with transaction.atomic():
        existing = dict(FilterWord.objects.values_list("word", "kind"))
        new = [word for word in words if word not in existing]
        changed = [
            word
            for word in words
            if replace and word in existing and existing[word] != kind
        ]
        rows = [FilterWord(word=word, kind=kind) for word in new + changed]
        if replace:
            FilterWord.objects.bulk_create(
                rows,
                update_conflicts=True,
                unique_fields=["word"],
                update_fields=["kind"],
            )
        else:
            # A word added by someone else since the read above is left alone.
            FilterWord.objects.bulk_create(rows, ignore_conflicts=True)
        if rows:
            # bulk_create sends no signals, so the receivers below don't see it.
            transaction.on_commit(invalidate)
    return {
        "added": len(new),
        "updated": len(changed),
        "skipped": read - len(new) - len(changed),
        "too_long": too_long,
    }


def _words_changed(sender: type, using: str, **kwargs: object) -> None:
    # After the commit, or other processes could rebuild from rows that are not
    # visible to them yet, or that a rollback takes back.
    transaction.on_commit(invalidate, using=using)


# The sender as a string keeps the models unimported until the app registry loads
# them; CommentsConfig.ready() imports this module so that these are connected.
post_save.connect(_words_changed, sender="comments.FilterWord")
post_delete.connect(_words_changed, sender="comments.FilterWord")
