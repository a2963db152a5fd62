"""Turning a notification's payload into what is sent: an email (subject, plain text, HTML)
or an SMS, from the Jinja templates under templates/email/ and templates/sms/.

Rendering works from the payload alone (plain JSON, no ORM objects), so a notification can
be rendered again later — the email fallback of a failed SMS, the dev outbox previews."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import current_app
from markupsafe import Markup

from messaging.notifications import sms

_BLANK_LINES = re.compile(r"\n{3,}")
_SMS_CLIPS: tuple[int | None, ...] = (None, 80, 60, 40, 25, 12, 0)


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


def _template(name: str) -> Any:
    return current_app.jinja_env.get_template(name)


def _clean_text(text: str) -> str:
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)) + "\n"


def render_email(event: str, payload: dict[str, Any]) -> RenderedEmail:
    html_template = _template(f"email/{event}.html")
    module = html_template.make_module({"p": payload})
    subject = html.unescape(" ".join(str(getattr(module, "subject", "")).split()))
    text = _template(f"email/{event}.txt").render(p=payload)
    return RenderedEmail(subject[:300] or "Ordertalk", _clean_text(text), str(module))


def _clipper(limit: int | None) -> Callable[[Any], str]:
    def clip(value: Any) -> str:
        text = " ".join(str(value or "").split())
        if limit is None or len(text) <= limit:
            return text
        if limit <= 1:
            return ""
        return text[: limit - 1].rstrip() + "\u2026"

    return clip


def render_sms(event: str, payload: dict[str, Any]) -> str:
    """The SMS text: one segment when the free text (reasons, notes, excerpts) can be
    shortened enough; otherwise the shortest form, in several segments."""
    template = _template(f"sms/{event}.txt")
    text = ""
    for limit in _SMS_CLIPS:
        text = sms.plain(" ".join(template.render(p=payload, clip=_clipper(limit)).split()))
        if sms.fits_one(text):
            return text
    return text


def preview_html(value: str) -> Markup:
    """An email's HTML for an iframe's srcdoc on the dev outbox page."""
    return Markup(html.escape(value, quote=True))
