"""The script variants a reader can choose and their conversion with OpenCC.

Content and interface strings are Simplified; every other variant is produced by
converting text with one OpenCC configuration, once per process and text.
"""

from dataclasses import dataclass
from functools import cache

import opencc


@dataclass(frozen=True)
class Variant:
    code: str  # in the URL: /zh-hant/…
    label: str  # in the switcher, written in its own script
    lang: str  # BCP 47 tag for <html lang> and hreflang
    og_locale: str
    opencc_config: str = ""  # empty for the default: nothing to convert

    @property
    def prefix(self) -> str:
        return f"/{self.code}" if self.opencc_config else ""


DEFAULT = Variant("zh-hans", "简体", "zh-Hans", "zh_CN")
VARIANTS = {
    variant.code: variant
    for variant in (
        DEFAULT,
        Variant("zh-hant", "繁體", "zh-Hant", "zh_TW", "s2t"),
        Variant("zh-hk", "香港", "zh-HK", "zh_HK", "s2hk"),
        Variant("zh-tw", "台灣", "zh-TW", "zh_TW", "s2twp"),
    )
}


@cache
def converter(config: str) -> opencc.OpenCC:
    """Loading a configuration reads its dictionaries: do it once per process."""
    return opencc.OpenCC(config)


def convert_text(config: str, text: str) -> str:
    return converter(config).convert(text)
