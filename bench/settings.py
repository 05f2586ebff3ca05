"""Settings for the benchmarks in bench/: the project's own, relaxed only where a
load test from one machine must be."""

from huaxun.settings import *  # noqa: F403

# Fifty readers posting from one address would hit the per-IP and per-account
# limits within seconds and be refused with 429s; the benchmark measures posting,
# not refusing.
RATE_LIMITS = {}
DEBUG = False

# /bench/bytes/ answers with the bytes of a file read once at start-up: the floor a
# Django view can reach under the same server (bench/run.py).
ROOT_URLCONF = "bench.urls"
