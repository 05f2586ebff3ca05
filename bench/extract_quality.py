"""Extraction quality per field on the acceptance pages, in UTF-8 and re-encoded to
GBK/Big5 with right and wrong charset declarations, and pipeline throughput (fetch
from a local server, decode, extract, clean, dedupe, keywords) in articles/s."""

import argparse
import logging
import os
import statistics
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import django

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
os.environ.setdefault("DATABASE_URL", "sqlite://:memory:")
django.setup()

import json  # noqa: E402

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402

from ingest import clean, decode, dedupe, extract, fetch, keywords  # noqa: E402
from ingest.quality import FIELDS, score  # noqa: E402

PAGES = REPO / "ingest" / "tests" / "pages"


def variants(name: str, html: str) -> dict[str, tuple[bytes, str | None]]:
    """The page as served: its bytes and the HTTP charset the server claims."""
    meta = '<meta charset="utf-8">'
    found = {"utf-8": (html.encode(), "utf-8")}
    wide = "big5hkscs" if "hk" in name else "gb18030"
    label = "big5" if "hk" in name else "gbk"
    try:
        encoded = html.replace(meta, f'<meta charset="{label}">').encode(wide)
    except UnicodeEncodeError:
        return found
    found[f"{label} declared"] = (encoded, label)
    found[f"{label} declared utf-8"] = (encoded, "utf-8")  # a lying server
    found[f"{label} undeclared"] = (html.replace(meta, "").encode(wide), None)
    return found


def quality() -> str:
    rows: dict[str, dict[str, list[dict]]] = {}
    for expected_path in sorted(PAGES.glob("*.expected.json")):
        name = expected_path.name.removesuffix(".expected.json")
        expected = json.loads(expected_path.read_text("utf-8"))
        html = (PAGES / f"{name}.html").read_text("utf-8")
        for variant, (content, charset) in variants(name, html).items():
            kind = variant.split(" ", 1)[1] if " " in variant else "utf-8"
            text, _encoding = decode.decode_html(content, charset)
            got = extract.extract(
                text, expected["url"], time_zone=expected.get("time_zone")
            )
            for field, values in score(expected, got).items():
                rows.setdefault(kind, {}).setdefault(field, []).append(values)
    lines = [
        "| encoding | pages | " + " | ".join(f"{f} P/R/F1" for f in FIELDS) + " |",
        "|---|---:|" + "---|" * len(FIELDS),
    ]
    for kind, fields in rows.items():
        cells = []
        for field in FIELDS:
            values = fields[field]
            p, r, f = (statistics.mean(v[k] for v in values) for k in ("p", "r", "f1"))
            cells.append(f"{p:.2f}/{r:.2f}/{f:.2f}")
        pages = len(fields[FIELDS[0]])
        lines.append(f"| {kind} | {pages} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


class Pages(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/robots.txt":
            self.send_response(404)
            self.end_headers()
            return
        body = (PAGES / self.path.lstrip("/")).read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def throughput(rounds: int) -> str:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Pages)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.INGEST_PRIVATE_HOSTS = ["127.0.0.1"]
    fetch._take_turn = lambda host: None  # politeness is per outlet, not measured
    names = sorted(p.name for p in PAGES.glob("*.html"))
    index = dedupe.NearDuplicateIndex()
    keywords.suggest_keywords("预热", "悉尼的图书馆", idf={})  # load jieba once
    started, count = time.perf_counter(), 0
    for _ in range(rounds):
        for name in names:
            url = f"http://127.0.0.1:{server.server_port}/{name}"
            fetched = fetch.fetch(url)
            text, _ = decode.decode_html(fetched.content, "utf-8")
            got = extract.extract(text, url)
            clean.body_blocks(got)
            body = "\n".join(got.paragraphs)
            index.query(body)
            index.add(f"{name}-{count}", body)
            keywords.suggest_keywords(got.title, body, idf={})
            count += 1
    elapsed = time.perf_counter() - started
    server.shutdown()
    return (
        "| articles | seconds | articles/s (one core) |\n|---:|---:|---:|\n"
        f"| {count} | {elapsed:.1f} | {count / elapsed:.1f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=10, help="passes over the pages")
    args = parser.parse_args()
    # Keyword suggestions read the portal's cities and keywords: an empty portal.
    call_command("migrate", verbosity=0)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    out = sys.stdout.write
    out(f"load average at start: {os.getloadavg()[0]:.1f}\n\n")
    out(quality() + "\n\n")
    out(throughput(args.rounds) + "\n")


if __name__ == "__main__":
    main()
