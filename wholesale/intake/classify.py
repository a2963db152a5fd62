"""Is a message an order at all? Rules for what clearly is not one (STOP, questions,
complaints, changes to an existing order, thanks and small talk) and for order intent.

The parser decides with these and with what it found: a message is an order only when it
has order lines, a history reference or an open question about an item, and no veto.
"""

from __future__ import annotations

import re

_KEYWORDS = {"stop", "start", "unstop", "help", "info", "unsubscribe", "cancel", "end",
             "quit", "stopall", "yes", "no", "ok", "okay", "confirm", "y", "n"}
_QUESTION_START = re.compile(
    r"^\s*(?:hi|hey|hello|morning|quick q(?:uestion)?)?[\s,!.:-]*"
    r"(?:do|does|did|is|are|was|were|what|whats|what's|when|whens|where|wheres|where's|why|"
    r"how|which|who|any|have|has|will|would you|could you tell|can you tell|can u tell|"
    r"u have|you have|got any|r u|are u|is there|are there)\b")
_ORDER_ASK = re.compile(
    r"\b(?:can|could|may)\s+(?:i|we|u|you)\s+(?:get|have|grab|order|send|add|do)\b|"
    r"\b(?:pls|please|plz)\s+(?:send|add)\b|\bany chance (?:of|i|we|you|u)\b|"
    r"\bi'?d like\b|\bwe'?d like\b|\bput (?:me|us) down\b")
_COMPLAINT = re.compile(
    r"\b(?:wilted|rotten|spoiled|spoilt|moldy|mouldy|bruised|damaged|broken|crushed|leaking|"
    r"leaked|smashed|expired|missing|short(?:ed)?|wrong|never (?:came|arrived|showed)|"
    r"didn'?t (?:come|arrive|get)|not (?:fresh|good|happy)|refund|credit (?:note|me|us|for)|"
    r"return(?:ing)?|complain\w*|disappointed|unacceptable|late again|warm|frozen solid|"
    r"invoice[ds]?|charged|overcharged|billed|statement|only got|only received)\b")
_CHANGE = re.compile(
    r"\b(?:change|move|moved|switch|reschedule|push|postpone|cancel|modify|update|swap)\b"
    r"[^.?!]{0,40}\b(?:order|delivery|drop|date|day)\b|"
    r"\b(?:order|delivery)\b[^.?!]{0,30}\b(?:instead|moved|rescheduled|cancel\w*)\b")
_LATER = re.compile(r"\b(?:will|gonna|going to|i'?ll|we'?ll|i will|we will)\s+"
                    r"(?:order|send (?:my|our|the|an|in) ?order|place (?:an|the|my|our) order|"
                    r"get back|let you know|call)\b")
_INTENT = re.compile(
    r"\b(?:send|need|needs|want|order|add|get|grab|pls|please|plz|deliver|bring|drop off|"
    r"can i|could i|can we|could we|i'?ll take|we'?ll take|put me down|gimme|give me|"
    r"restock|top up|same as|usual|repeat|again)\b")
_THANKS = re.compile(
    r"^(?:thanks?|thank you|thx|ty|tysm|cheers|ok|okay|k|kk|great|perfect|awesome|cool|"
    r"got it|sounds good|will do|no worries|np|👍|🙏|nice|lovely|brilliant|good morning|"
    r"morning|hi|hello|hey|have a good \w+|see you|see ya|bye|yes|yep|no|nope|sure)\b")


def non_order_reason(text: str, has_lines: bool) -> str | None:
    """Why `text` is not an order ("empty", "keyword", "question", "complaint", "change",
    "small_talk"), or None when it may be one. `has_lines`: products with quantities were
    found (small talk around an order does not veto it; a question or complaint does)."""
    stripped = text.strip()
    if not re.search(r"[a-zA-Z0-9]", stripped):
        return "empty"
    words = re.sub(r"[^a-z ]", " ", stripped.lower()).split()
    if len(words) <= 2 and " ".join(words) in _KEYWORDS | {"stop all", "yes please",
                                                             "ok thanks", "thank you"}:
        return "keyword"
    lowered = stripped.lower()
    if _CHANGE.search(lowered) and not _ORDER_ASK.search(lowered):
        return "change"
    if _COMPLAINT.search(lowered) and not (has_lines and _ORDER_ASK.search(lowered)):
        return "complaint"
    if _LATER.search(lowered):
        return "later"
    if _is_question(lowered):
        return "question"
    if not has_lines and _THANKS.match(lowered):
        return "small_talk"
    return None


def _is_question(lowered: str) -> bool:
    """A question about something, not a request phrased as one ("can I get 4 x evoo?")."""
    if _ORDER_ASK.search(lowered):
        return False
    sentences = [s.strip() for s in re.split(r"(?<=[?!.])\s+|\n+", lowered) if s.strip()]
    asked = [s for s in sentences if s.endswith("?") or _QUESTION_START.match(s)]
    return bool(asked) and any(_QUESTION_START.match(s) for s in asked)


def has_intent(text: str) -> bool:
    return _INTENT.search(text.lower()) is not None
