"""The new part of an emailed reply: quoted history, the reply header above it
("On Tue, Ana wrote:"), forwarded/original-message blocks and signatures are cut off."""

from __future__ import annotations

import html
import re

_REPLY_HEADERS = (
    re.compile(r"^\s*On\b.{0,300}\bwrote:\s*$", re.IGNORECASE),
    re.compile(r"^\s*Le\b.{0,300}\ba écrit\s*:\s*$", re.IGNORECASE),
    re.compile(r"^\s*Am\b.{0,300}\bschrieb\b.*:\s*$", re.IGNORECASE),
    re.compile(r"^\s*El\b.{0,300}\bescribió:\s*$", re.IGNORECASE),
    re.compile(r"^\s*-{2,}\s*(Original Message|Forwarded message|Reply above this line)"
               r"\s*-{2,}\s*$", re.IGNORECASE),
    re.compile(r"^\s*_{10,}\s*$"),
    re.compile(r"^\s*From:\s.+$", re.IGNORECASE),  # Outlook's header block
)
_SIGNATURES = (
    re.compile(r"^--\s?$"),
    re.compile(r"^\s*Sent from my \w+", re.IGNORECASE),
    re.compile(r"^\s*Get Outlook for \w+", re.IGNORECASE),
    re.compile(r"^\s*Sent from (Mail|Outlook|Yahoo Mail|Gmail) for", re.IGNORECASE),
)
_TAGS = re.compile(r"<[^>]+>")
_BLOCK_END = re.compile(r"</(p|div|li|tr|h\d)>|<br\s*/?>", re.IGNORECASE)
_DROP = re.compile(r"<(style|script|head)\b.*?</\1>", re.IGNORECASE | re.DOTALL)
_QUOTE = re.compile(r"<blockquote\b.*?</blockquote>", re.IGNORECASE | re.DOTALL)
_GMAIL_QUOTE = re.compile(r"<div class=\"?gmail_quote.*", re.IGNORECASE | re.DOTALL)


def html_to_text(markup: str) -> str:
    markup = _DROP.sub("", markup)
    markup = _GMAIL_QUOTE.sub("", markup)
    markup = _QUOTE.sub("", markup)
    markup = _BLOCK_END.sub("\n", markup)
    return html.unescape(_TAGS.sub("", markup))


def reply_text(text: str) -> str:
    """The lines the person wrote, above the quote and the signature."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept: list[str] = []
    for index, line in enumerate(lines):
        if line.lstrip().startswith(">"):
            # A quote: the line above may be its "On … wrote:" header, wrapped in two.
            break
        if any(p.match(line) for p in _REPLY_HEADERS):
            break
        if index + 1 < len(lines) and _REPLY_HEADERS[0].match(line + " " + lines[index + 1]):
            break
        if any(p.match(line) for p in _SIGNATURES):
            break
        kept.append(line.rstrip())
    while kept and not kept[-1].strip():
        kept.pop()
    while kept and not kept[0].strip():
        kept.pop(0)
    result = "\n".join(kept)
    return re.sub(r"\n{3,}", "\n\n", result).strip()
