"""Times the word filter: a matcher of 10,000 generated words checking a 200- and a
2,000-character comment. No database needed; run bench/wordfilter_bench.py."""

# A script whose output is its table.
# ruff: noqa: T201

import random
import statistics
import sys
import time
import timeit
from pathlib import Path

# Run as a script, so the project root is not on the path by itself.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from comments.wordfilter import build_matcher

WORDS = 10_000
RUNS = 2_000
SEED = 2026


def cjk(rng: random.Random, length: int) -> str:
    return "".join(chr(rng.randint(0x4E00, 0x9FA5)) for _ in range(length))


def comment(rng: random.Random, length: int) -> str:
    """Random CJK in clauses of 5-20 characters, each closed by a punctuation mark."""
    parts: list[str] = []
    while sum(map(len, parts)) < length:
        parts.append(cjk(rng, rng.randint(5, 20)) + rng.choice("，。！？、"))
    return "".join(parts)[:length]


def main() -> None:
    rng = random.Random(SEED)
    words = [cjk(rng, rng.randint(2, 4)) for _ in range(WORDS)]
    # A mix like a real list: mostly banned, some suspect, a few allowed.
    started = time.perf_counter()
    matcher = build_matcher(words[:7000], words[7000:9500], words[9500:])
    built_ms = (time.perf_counter() - started) * 1000
    print(f"built a matcher of {WORDS:,} words in {built_ms:.0f} ms\n")
    print(f"{'words':>7} {'text length':>12} {'p50 µs':>8} {'p95 µs':>8}")
    for length in (200, 2000):
        text = comment(rng, length)
        matcher.check(text)  # warm up
        runs = timeit.repeat(
            lambda text=text: matcher.check(text), number=1, repeat=RUNS
        )
        micros = [run * 1e6 for run in runs]
        p50 = statistics.median(micros)
        p95 = statistics.quantiles(micros, n=20)[-1]
        print(f"{WORDS:>7,} {length:>12,} {p50:>8.1f} {p95:>8.1f}")


if __name__ == "__main__":
    main()
