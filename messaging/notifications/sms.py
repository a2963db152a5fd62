"""SMS length: GSM-7 or UCS-2, and how many segments a text costs.

A text of GSM-7 characters fits 160 in one segment (153 per segment when split; the
characters of the extension table — ^ { } \\ [ ~ ] | € — count twice). Any other
character makes the whole text UCS-2: 70 in one segment, 67 per segment when split,
counted in UTF-16 code units (an emoji is two). Typographic punctuation is replaced by its
plain form first, so a curly quote does not turn a message into UCS-2.
"""

from __future__ import annotations

from dataclasses import dataclass

GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENDED = frozenset("^{}\\[~]|€\f")

_PLAIN = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2032": "'", "\u2033": '"',
    "\u2013": "-", "\u2014": "-", "\u2212": "-", "\u2026": "...",
    "\u00a0": " ", "\u2009": " ", "\u202f": " ", "\u2022": "*", "\u00b7": "*",
    "\t": " ",
})


@dataclass(frozen=True)
class SmsLength:
    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    segments: int


def plain(text: str) -> str:
    """Typographic punctuation as GSM-7 has it."""
    return text.translate(_PLAIN)


def is_gsm(text: str) -> bool:
    return all(c in GSM_BASIC or c in GSM_EXTENDED for c in text)


def measure(text: str) -> SmsLength:
    if is_gsm(text):
        units = sum(2 if c in GSM_EXTENDED else 1 for c in text)
        single, multi, encoding = 160, 153, "GSM-7"
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, multi, encoding = 70, 67, "UCS-2"
    if units <= single:
        return SmsLength(encoding, units, 1 if units else 0)
    return SmsLength(encoding, units, -(-units // multi))


def single_segment_limit(text: str) -> int:
    return 160 if is_gsm(text) else 70


def fits_one(text: str) -> bool:
    return measure(text).segments <= 1
