"""Message text is plain: escaped, with http(s) links made clickable. static/js/chat.js
renders live messages with the same rules through DOM APIs."""

from __future__ import annotations

import re

from markupsafe import Markup, escape

# A link starts with http:// or https:// and runs to whitespace or a character that cannot
# be part of a URL in running text; trailing punctuation belongs to the sentence.
URL_RE = re.compile(r"https?://[^\s<>\"'`]+", re.IGNORECASE)
_TRAILING = ".,;:!?)]}"

LINK_ATTRS = 'rel="noopener noreferrer nofollow" target="_blank"'


def split_links(text: str) -> list[tuple[str, bool]]:
    """`text` as pieces (piece, is_link)."""
    pieces: list[tuple[str, bool]] = []
    pos = 0
    for match in URL_RE.finditer(text):
        url = match.group(0)
        while url and url[-1] in _TRAILING:
            url = url[:-1]
        if len(url) <= len("https://"):
            continue
        start, end = match.start(), match.start() + len(url)
        if start > pos:
            pieces.append((text[pos:start], False))
        pieces.append((url, True))
        pos = end
    if pos < len(text):
        pieces.append((text[pos:], False))
    return pieces


def render_text(text: str | None) -> Markup:
    """HTML for a message body: everything escaped, links as safe anchors."""
    out: list[str] = []
    for piece, is_link in split_links(text or ""):
        if is_link:
            url = escape(piece)
            out.append(f'<a href="{url}" {LINK_ATTRS}>{url}</a>')
        else:
            out.append(str(escape(piece)))
    return Markup("".join(out))


def preview(text: str | None, limit: int = 120) -> str:
    flat = " ".join((text or "").split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"
