"""Convert an extracted article between Simplified and Traditional Chinese (OpenCC)."""

from __future__ import annotations

import dataclasses
from functools import lru_cache, partial

import opencc

from ingest.extract import Extracted, ExtractedImage

MODES = ("", "s2t", "t2s", "s2hk", "s2tw")


@lru_cache(maxsize=len(MODES))
def _converter(mode: str) -> opencc.OpenCC:
    # Building a converter loads its dictionaries; one per mode is enough.
    return opencc.OpenCC(mode)


def _convert_text(text: str, mode: str) -> str:
    return _converter(mode).convert(text) if mode and text else text


def to_simplified(text: str) -> str:
    """Simplified form of `text`, so 簡/繁 copies of one story compare equal."""
    return _convert_text(text, "t2s")


def _image(image: ExtractedImage, mode: str) -> ExtractedImage:
    return ExtractedImage(
        src=image.src,
        caption=_convert_text(image.caption, mode),
        credit=_convert_text(image.credit, mode),
    )


def _block(block: dict, mode: str) -> dict:
    # Only text fields are converted; a URL must come through byte for byte.
    keys = ("text", "caption", "credit")
    return {k: _convert_text(v, mode) if k in keys else v for k, v in block.items()}


def convert(extracted: Extracted, mode: str) -> Extracted:
    """`extracted` with its text in the script `mode` asks for ("" leaves it as is).

    Names in bylines and credits are converted too; URLs never are.
    """
    if mode not in MODES:
        raise ValueError(f"unknown conversion mode {mode!r}; expected one of {MODES}")
    if not mode:
        return extracted
    text = partial(_convert_text, mode=mode)
    return dataclasses.replace(
        extracted,
        title=text(extracted.title),
        source=text(extracted.source),
        author=text(extracted.author),
        paragraphs=tuple(map(text, extracted.paragraphs)),
        quotes=tuple(map(text, extracted.quotes)),
        images=tuple(_image(image, mode) for image in extracted.images),
        blocks=tuple(_block(block, mode) for block in extracted.blocks),
    )
