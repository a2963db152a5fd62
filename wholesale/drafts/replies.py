"""Short replies to an open draft: a confirmation ("YES", "ok", "👍") or the number of an
option a question offered ("2")."""

from __future__ import annotations

import re

_CONFIRM = re.compile(
    r"^(?:(?:y|ya|yes|yess+|yep|yup|yeah|yea|ok|okay|k|kk|sure|confirm|confirmed|correct|"
    r"go|go ahead|go for it|place it|send it|do it|looks good|sounds good|perfect|"
    r"all good|that'?s right|approved?|👍|👌|✅|✔️?)[\s,.!]*)+"
    r"(?:(?:please|pls|plz|thanks|thank you|thx|ty|mate|👍|🙏)[\s,.!]*)*$",
    re.IGNORECASE,
)
_OPTION = re.compile(r"^\s*(?:#|no\.?\s*|option\s*)?(\d{1,2})\s*(?:please|pls|plz|thanks|thx)?"
                     r"[\s.!]*$", re.IGNORECASE)


def is_confirmation(text: str) -> bool:
    """A whole message that says "yes, place it" and nothing else."""
    return bool(_CONFIRM.match(text.strip())) if text.strip() else False


def option_number(text: str) -> int | None:
    """The option a bare number picks ("2", "#2", "option 2"), else None."""
    found = _OPTION.match(text)
    return int(found.group(1)) if found else None
