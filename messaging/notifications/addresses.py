"""Addresses as the providers and our tables compare them: emails lower-cased, phone numbers
in E.164 (`+14155550100`). Numbers typed without a country code are taken as North
American (+1) when they have ten digits."""

from __future__ import annotations

import re
from email.utils import parseaddr

_NON_DIGITS = re.compile(r"\D+")


def normalize_phone(raw: str | None) -> str | None:
    """E.164 form of a phone number as people type it, or None when it is not one."""
    if not raw:
        return None
    text = raw.strip()
    if text.lower().startswith(("sms:", "tel:")):
        text = text[4:]
    digits = _NON_DIGITS.sub("", text)
    if text.startswith("+"):
        number = digits
    elif text.startswith("00"):
        number = digits[2:]
    elif len(digits) == 10:
        number = "1" + digits
    elif len(digits) == 11 and digits.startswith("1"):
        number = digits
    else:
        number = digits
    if not 8 <= len(number) <= 15:
        return None
    return "+" + number


def normalize_email(raw: str | None) -> str | None:
    """The bare address of `Name <a@b>` or `a@b`, lower-cased; None when it is not one."""
    if not raw:
        return None
    _, address = parseaddr(raw)
    address = address.strip().lower()
    local, _, domain = address.partition("@")
    if not local or "." not in domain or " " in address:
        return None
    return address


def mask(address: str) -> str:
    """`+1415•••0100`, `ma•••@example.com`: enough to recognise, for logs shown to buyers."""
    if "@" in address:
        local, _, domain = address.partition("@")
        return f"{local[:2]}•••@{domain}"
    return f"{address[:5]}•••{address[-4:]}" if len(address) > 9 else address
