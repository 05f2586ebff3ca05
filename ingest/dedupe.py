"""Recognise a story the portal already has: by canonical URL, exact text hash, or
near-duplicate text (MinHash-LSH over character 5-grams, script-insensitive)."""

import functools
import hashlib
import unicodedata
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import opencc

if TYPE_CHECKING:
    from datasketch import MinHash

# datasketch (and the scipy it brings) is imported where it is used, so web
# workers that never compare texts do not carry it (docs/benchmarks.md, "Memory").

TRACKING_PARAMS = frozenset(
    {
        "spm",
        "from",
        "share",
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "ref_src",
        # WeChat appends these to every shared mp.weixin.qq.com link.
        "scene",
        "isappinstalled",
        "sharer_sharetime",
        "sharer_shareid",
    }
)
DEFAULT_PORTS = {"http": 80, "https": 443}
INDEX_PAGES = ("index.html", "index.htm")

SHINGLE_SIZE = 5
# Below this many normalised characters a text has too few 5-grams for MinHash to
# tell stories apart (two headlines share a place name and match), so such texts
# take part in exact hashing only: they get an empty signature and are never indexed.
MIN_NEAR_DUPLICATE_CHARS = 50
# Fixed, and the permutation scheme pinned, so that signatures stored in the
# database stay comparable across processes and datasketch upgrades.
MINHASH_SEED = 1
MINHASH_SCHEME = "affine32"
SIGNATURE_DTYPE = "<u4"
SIGNATURE_ITEMSIZE = 4
# LSH banding lets through some pairs below the threshold; candidates whose
# estimated Jaccard is further below it than the estimate's spread at 128
# permutations (about 0.04) are dropped.
ESTIMATE_SLACK = 0.1


def canonical_url(url: str) -> str:
    """One spelling per page: what is left when tracking and formatting noise go."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    netloc = parts.netloc.lower()
    try:
        port = parts.port
    except ValueError:  # a malformed port: keep the netloc as it came
        port = None
    if parts.hostname is not None:
        host = parts.hostname
        if ":" in host:  # IPv6 literals need their brackets back
            host = f"[{host}]"
        userinfo = parts.netloc.rpartition("@")[0]
        netloc = f"{userinfo}@{host}" if userinfo else host
        if port is not None and port != DEFAULT_PORTS.get(scheme):
            netloc = f"{netloc}:{port}"

    path = parts.path
    for page in INDEX_PAGES:
        if path.endswith("/" + page):
            path = path[: -len(page)]
            break
    path = path.rstrip("/") or ("/" if netloc else "")

    query = sorted(
        (name, value)
        for name, value in parse_qsl(parts.query, keep_blank_values=True)
        if not _is_tracking(name)
    )
    return urlunsplit((scheme, netloc, path, urlencode(query), ""))


def _is_tracking(name: str) -> bool:
    name = name.lower()
    return name.startswith("utm_") or name in TRACKING_PARAMS


@functools.cache
def _t2s() -> opencc.OpenCC:
    # Building a converter loads its dictionaries; one per process is enough.
    return opencc.OpenCC("t2s")


def normalised_text(text: str) -> str:
    """NFKC, Simplified script, case-folded, without whitespace and punctuation."""
    text = _t2s().convert(unicodedata.normalize("NFKC", text)).casefold()
    # Z* is whitespace, C* covers zero-width and control characters that copy-paste
    # between sites leaves behind; symbols (%, ¥) stay, they carry meaning.
    return "".join(char for char in text if unicodedata.category(char)[0] not in "PZC")


def text_hash(text: str) -> str:
    return hashlib.sha256(normalised_text(text).encode()).hexdigest()


def shingles(text: str, k: int = SHINGLE_SIZE) -> set[str]:
    """Character k-grams of the normalised text; a shorter text is its own shingle."""
    return _grams(normalised_text(text), k)


def _grams(normal: str, k: int) -> set[str]:
    if len(normal) <= k:
        return {normal} if normal else set()
    return {normal[start : start + k] for start in range(len(normal) - k + 1)}


class NearDuplicateIndex:
    """MinHash-LSH over character 5-grams (datasketch MinHash + MinHashLSH,
    num_perm=128, threshold≈0.7)."""

    def __init__(self, threshold: float = 0.7, num_perm: int = 128) -> None:
        self.threshold = threshold
        self.num_perm = num_perm
        from datasketch import MinHashLSH

        self._lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
        self._sketches: dict[str, MinHash] = {}

    def __len__(self) -> int:
        return len(self._sketches)

    def add(self, key: str, text: str) -> None:
        """Index `text` under `key`, replacing what `key` held; short texts are
        skipped (see MIN_NEAR_DUPLICATE_CHARS)."""
        self.add_signature(key, self.signature(text, self.num_perm))

    def add_signature(self, key: str, signature: bytes) -> None:
        if key in self._sketches:
            self._lsh.remove(key)
            del self._sketches[key]
        sketch = _from_signature(signature, self.num_perm)
        if sketch is not None:
            self._lsh.insert(key, sketch, check_duplication=False)
            self._sketches[key] = sketch

    def query(self, text: str) -> list[str]:
        """Keys of near-duplicates of `text`, highest estimated Jaccard first."""
        sketch = _from_signature(self.signature(text, self.num_perm), self.num_perm)
        if sketch is None:
            return []
        scored = [
            (self._sketches[key].jaccard(sketch), key)
            for key in self._lsh.query(sketch)
        ]
        floor = self.threshold - ESTIMATE_SLACK
        # Ties by key keep the order stable from run to run.
        scored.sort(key=lambda pair: (-pair[0], pair[1]))
        return [key for estimate, key in scored if estimate >= floor]

    @staticmethod
    def signature(text: str, num_perm: int = 128) -> bytes:
        """The MinHash of `text` as little-endian uint32 values (4 bytes a
        permutation), for a binary column; b"" for a text too short to compare."""
        normal = normalised_text(text)
        if len(normal) < MIN_NEAR_DUPLICATE_CHARS:
            return b""
        from datasketch import MinHash

        sketch = MinHash(num_perm=num_perm, seed=MINHASH_SEED, scheme=MINHASH_SCHEME)
        sketch.update_batch(
            [gram.encode() for gram in sorted(_grams(normal, SHINGLE_SIZE))]
        )
        return sketch.hashvalues.astype(SIGNATURE_DTYPE).tobytes()


def _from_signature(signature: bytes, num_perm: int) -> "MinHash | None":
    if not signature:
        return None
    if len(signature) != num_perm * SIGNATURE_ITEMSIZE:
        raise ValueError(
            f"A signature of {len(signature)} bytes does not fit {num_perm} "
            "permutations."
        )
    import numpy as np
    from datasketch import MinHash

    return MinHash(
        num_perm=num_perm,
        seed=MINHASH_SEED,
        scheme=MINHASH_SCHEME,
        hashvalues=np.frombuffer(signature, dtype=SIGNATURE_DTYPE),
    )
