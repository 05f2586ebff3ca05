"""One URL through fetch → decode → extract → script, with keyword suggestions and a
duplicate check against the portal's articles: what `extract_article` prints."""

from __future__ import annotations

from dataclasses import dataclass

from ingest import decode, dedupe, extract, fetch, keywords, script


@dataclass(frozen=True)
class Prepared:
    url: str
    encoding: str
    article: extract.Extracted
    keywords: list[str]
    duplicate_of: str | None

    def as_json(self) -> dict:
        article = self.article
        return {
            "url": self.url,
            "title": article.title,
            "published": article.published.isoformat() if article.published else None,
            "source": article.source,
            "author": article.author,
            "paragraphs": list(article.paragraphs),
            "images": [
                {"src": image.src, "caption": image.caption, "credit": image.credit}
                for image in article.images
            ],
            "keywords": self.keywords,
            "duplicate_of": self.duplicate_of,
            "encoding": self.encoding,
        }


def prepare(url: str, source=None) -> Prepared:
    """Raises fetch.FetchRefused / fetch.FetchFailed / extract.ExtractionError."""
    fetched = fetch.fetch(url)
    charset = _charset(fetched.headers.get("content-type", ""))
    override = getattr(source, "encoding_override", "") or None
    html, encoding = decode.decode_html(fetched.content, charset, override)
    article = extract.extract(html, fetched.url)
    mode = getattr(source, "script_conversion", "") or ""
    if mode:
        article = script.convert(article, mode)
    text = "\n".join(article.paragraphs)
    return Prepared(
        url=fetched.url,
        encoding=encoding,
        article=article,
        keywords=keywords.suggest_keywords(article.title, text),
        duplicate_of=duplicate_of(url, fetched.url, article.canonical_url),
    )


def duplicate_of(*urls: str) -> str | None:
    """The original link of a live article republished from the same page (under
    any of its addresses: asked for, redirected to, declared canonical), if any."""
    from news.models import ArticlePage

    wanted = {dedupe.canonical_url(url) for url in urls if url}
    links = (
        ArticlePage.objects.live()
        .exclude(original_url="")
        .values_list("original_url", flat=True)
        .iterator()
    )
    return next((link for link in links if dedupe.canonical_url(link) in wanted), None)


def _charset(content_type: str) -> str | None:
    for part in content_type.split(";")[1:]:
        name, _, value = part.strip().partition("=")
        if name.lower() == "charset" and value:
            return value.strip("\"' ")
    return None
