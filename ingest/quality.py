"""Extraction quality against expected outputs: precision, recall and F1 per field,
shared by the acceptance tests and bench/extract_quality.py."""

from ingest.extract import Extracted

FIELDS = ("title", "published", "source", "paragraphs", "captions", "credits")


def as_expected(got: Extracted) -> dict:
    """An extraction in the shape of the pages' .expected.json files."""
    return {
        "title": got.title,
        "published": got.published.isoformat() if got.published else None,
        "source": got.source,
        "author": got.author,
        "paragraphs": list(got.paragraphs),
        "quotes": list(got.quotes),
        "images": [vars(image) for image in got.images],
    }


def f1(expected: set, got: set) -> dict:
    hits = len(expected & got)
    precision = hits / len(got) if got else float(not expected)
    recall = hits / len(expected) if expected else float(not got)
    total = precision + recall
    return {
        "p": precision,
        "r": recall,
        "f1": 2 * precision * recall / total if total else 0.0,
    }


def score(expected: dict, got: Extracted) -> dict:
    """Precision, recall and F1 per field of one page against its expected JSON."""
    actual = as_expected(got)
    images = expected.get("images", [])
    single = ("title", "published", "source")
    fields = {f: ({expected[f]} - {""}, {actual[f]} - {"", None}) for f in single}
    fields["paragraphs"] = (set(expected["paragraphs"]), set(actual["paragraphs"]))
    for key in ("caption", "credit"):
        fields[f"{key}s"] = (
            {(i["src"], i[key]) for i in images if i[key]},
            {(i["src"], i[key]) for i in actual["images"] if i[key]},
        )
    return {field: f1(*pair) for field, pair in fields.items()}
