"""Turning fetched bytes into text: a declared charset is believed only if the bytes
decode under it, and the narrow Chinese charsets are read as their supersets."""

import codecs
import re

from charset_normalizer import from_bytes

# Pages labelled with the old national standards routinely use characters only the
# later supersets have (镕 in a "gb2312" page, 㗎 in a "big5" one); browsers do the
# same widening, so a label never makes us lose a character.
SUPERSETS = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "big5": "big5hkscs",
    # WHATWG: these labels mean windows-1252 on the web.
    "ascii": "cp1252",
    "iso8859-1": "cp1252",
}
LABELS = {"x-gbk": "gbk", "x-x-big5": "big5", "x-sjis": "shift_jis"}
BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Our sources are Chinese, so detection first chooses among the Chinese charsets: on
# short texts an unbiased guess often lands on a Korean or Japanese code page.
CHINESE = ("gb18030", "big5hkscs")
PREFIX = 4096
META_CHARSET = re.compile(
    rb"""<meta[^>]*?charset\s*=\s*["']?\s*([a-z0-9_.:\-]+)""", re.IGNORECASE
)
XML_ENCODING = re.compile(
    rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([a-z0-9_.:\-]+)["']""", re.IGNORECASE
)


def codec_name(label: str | None) -> str | None:
    """The Python codec a charset label should be decoded with, or None if unknown."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    try:
        name = codecs.lookup(LABELS.get(label, label)).name
    except LookupError:
        return None
    if name.startswith("utf-16") or name.startswith("utf-32"):
        # A label readable as ASCII cannot be telling the truth about UTF-16; the
        # BOM check already caught real UTF-16.
        return "utf-8"
    return SUPERSETS.get(name, name)


def _strict(content: bytes, label: str | None) -> tuple[str, str] | None:
    name = codec_name(label)
    if name is None:
        return None
    try:
        return content.decode(name), name
    except UnicodeDecodeError:
        return None  # a lying label: go on to the next clue


def _decode(
    content: bytes, declarations: list[str | None], override: str | None
) -> tuple[str, str]:
    if override:
        name = codec_name(override)
        if name is None:
            raise LookupError(f"unknown encoding override {override!r}")
        # An operator's word for a source stands even over a few bad bytes.
        return content.decode(name, "replace"), name
    for bom, name in BOMS:
        if content.startswith(bom):
            return content.decode(name, "replace"), name
    # Text in another charset almost never happens to be valid UTF-8, so passing a
    # strict decode is stronger evidence than any label.
    for label in ("utf-8", *declarations):
        decoded = _strict(content, label)
        if decoded is not None:
            return decoded
    for isolation in (list(CHINESE), None):
        best = from_bytes(content, cp_isolation=isolation).best()
        name = codec_name(best.encoding) if best is not None else None
        if name is not None:
            return content.decode(name, "replace"), name
    return content.decode("utf-8", "replace"), "utf-8"


def decode_html(
    content: bytes, http_charset: str | None = None, override: str | None = None
) -> tuple[str, str]:
    """(text, codec used) for an HTML page: override, BOM, valid UTF-8, the HTTP
    charset, a <meta> charset in the first 4 KB, then detection."""
    meta = META_CHARSET.search(content[:PREFIX])
    return _decode(
        content,
        [http_charset, meta.group(1).decode("ascii") if meta else None],
        override,
    )


def decode_xml(
    content: bytes, http_charset: str | None = None, override: str | None = None
) -> tuple[str, str]:
    """(text, codec used) for an XML document, as decode_html but reading the
    <?xml encoding="…"?> declaration instead of <meta>."""
    declared = XML_ENCODING.search(content[:PREFIX])
    return _decode(
        content,
        [http_charset, declared.group(1).decode("ascii") if declared else None],
        override,
    )
