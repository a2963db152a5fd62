"""`parse()`: a buyer's message → a draft order. Pure: no database, no app, no clock (the
caller passes `now`), so it is fast, testable and runs in the request.

Steps: the delivery date and any history reference ("the usual", "same as last week") are
found and cut out of the text; the rest is split into fragments (lines, commas, "and 2 …",
"but …"); each fragment gives a quantity and unit (quantities.py) and a product
(matching.py), or a change to the history order ("no eggs", "double the mozz"), or a
question when several products fit, or an unmatched fragment. classify.py then decides
whether the whole is an order at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from wholesale.intake import classify
from wholesale.intake.catalog import Aliases, BuyerHistory, CatalogProduct, DeliveryRules
from wholesale.intake.dates import delivery_date, find_date
from wholesale.intake.matching import FILLER, Candidate, CatalogIndex, Match
from wholesale.intake.quantities import (
    Quantity,
    canonical_unit,
    convert,
    number,
    take_quantity,
)
from wholesale.intake.text import emoji_words, normal_tokens, tokens, wordlist
from wholesale.orders.rules import zone_of

MAX_TEXT_LENGTH = 5000  # longer messages are refused by the API (422)


@dataclass
class ParsedLine:
    product_id: int
    sku: str
    name: str
    quantity: Decimal  # in the product's unit; whole unless flagged
    unit: str  # the product's unit
    confidence: float  # 0..1
    source_text: str  # the words the line came from
    flags: list[str] = field(default_factory=list)  # quantity_assumed, unit_converted, …
    note: str | None = None  # e.g. "converted from 100 lb"
    how: str = "name"  # sku | alias | supplier_alias | name | history


@dataclass(frozen=True)
class QuestionOption:
    number: int
    product_id: int
    sku: str
    name: str
    unit: str
    case_size: int


@dataclass
class Question:
    """An item that fits several products: the reply picks one by number."""

    fragment: str
    prompt: str
    quantity: Decimal | None
    unit: str | None
    options: list[QuestionOption]


@dataclass
class ParseResult:
    is_order: bool
    lines: list[ParsedLine] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)
    requested_delivery_date: date | None = None
    date_note: str | None = None
    questions: list[Question] = field(default_factory=list)
    history: str | None = None  # "last_order" | "last_week" | "usual" | "draft" when used
    date_asked: bool = False  # the message named a delivery day
    reason: str | None = None  # why it is not an order


# -- history references -----------------------------------------------------------------------

_HISTORY = [
    (re.compile(r"\b(?:the |my |our |ur )?usual(?: order| stuff| please| pls)?\b"), "usual"),
    (re.compile(r"\bsame (?:as |order as |thing as )?(?:last|previous|prev) (?:week|wk)(?:'?s)?"
                r"(?: order)?\b|\blast (?:week|wk)'?s order\b"), "last_week"),
    (re.compile(r"\bsame (?:as |order as |thing as )?(?:last|previous|prev) "
                r"(?:time|order|delivery|one)\b|\bsame (?:again|as before)\b|"
                r"\b(?:repeat|redo|reorder|re-order)(?: of)?(?: my| our| the)? "
                r"(?:last|previous|prev)(?: order)?\b|"
                r"\b(?:my|our|the) (?:last|previous) order\b"), "last_order"),
]
_DOUBLE_ALL = re.compile(r"\b(?:double|dbl|twice)\s*(?:of\s+)?$")
_TRIPLE_ALL = re.compile(r"\btriple\s*$")

# -- fragments ----------------------------------------------------------------------------------

_SPLIT = re.compile(r"\n|;|,|\s(?=\+)|\s/\s|(?<![\d.])\.(?:\s|$)|!+|\?+|\s-\s|"
                    r"\s(?=but\b)|\s(?=plus\b)|\s(?=also\b)|\s(?=then\b)|\s(?=and then\b)|"
                    r"^\s*[-*•]\s*")
_AND = re.compile(r"\s(?:and|n|&)\s(?=(?:\d|a\b|an\b|one\b|two\b|three\b|four\b|five\b|six\b|"
                  r"ten\b|dozen\b|x\d|\(\d|another\b|extra\b|double\b|no\b|add\b|"
                  r"a couple\b))")
_LEAD = re.compile(
    r"^(?:(?:hi|hey|hello|yo|morning|good morning|gm|ok|okay|so|and|also|plus|then|\+|-|"
    r"pls|please|plz|kindly|can|could|may|i|we|u|you|get|have|grab|order|send|add|need|"
    r"want|would|like|id|i'd|we'd|ll|i'll|we'll|take|gimme|give|me|us|put|down|"
    r"for|to|the|let's|lets|do|think|guess|going|just|there|only|but|delivery)\b[\s,:]*)+")
_TRAIL = frozenset(wordlist(
    "for on by pls please plz thanks thx ty if possible asap too as well delivery del thank "
    "you cheers to"))
_REMOVE = re.compile(r"^(?:but\s+)?(?:no|without|w/o|minus|skip|hold|leave out|drop|except|"
                     r"not|remove|cancel|take off|nix)(?:\s+(?:the|any|on|off))?\s+(.+)$")
_DOUBLE = re.compile(r"^(?:but\s+)?(?:double|2x|twice)(?:\s+(?:the|on|up on))?\s+(.+)$")
_EXTRA = re.compile(r"^(?:but\s+)?(?:add\s+)?(?:an?\s+)?(?:extra|another|one more|1 more)"
                    r"(?:\s+(case|cs|bag|box))?(?:\s+of)?\s+(.+)$")
_MORE = re.compile(r"^(?:but\s+)?(?:add\s+)?(\d+|a|an|one|two|three|four|five)\s+(?:more|extra)\s+"
                   r"(.+)$")
_ADD = re.compile(r"^(?:but\s+)?(?:add|plus|\+|also add|and add|with)\s*(.+)$")
_SOFT_LEAD = re.compile(r"^(?:(?:and|also|oh|then|pls|please|plz|ok|so|but)\s+)+")
_SET = re.compile(r"^(?:but\s+)?(?:only|just|make it|make the)\s+(.+)$")
_CHATTER = FILLER | set(wordlist(
    "thats that all it is be good great thanks thank cheer mate guy team bud buddy lol hope "
    "well doing week day delivery deliver drop off if possible when can usual order stuff "
    "regular normal same last time morning afternoon evening early late by there"))


def parse(text: str, catalog: CatalogIndex, history: BuyerHistory | None = None,
          aliases: Aliases | None = None, *, now: datetime,
          rules: DeliveryRules, base: dict[int, Decimal] | None = None) -> ParseResult:
    """Read one buyer message. `now` is timezone-aware (relative dates and the cut-off count
    from it in the supplier's time zone). `base`: the lines of an open draft the message
    changes ("add 2 cs romaine", "no eggs", "make it friday"), read as a history order is."""
    if len(text) > MAX_TEXT_LENGTH:
        raise ValueError(f"messages are at most {MAX_TEXT_LENGTH} characters")
    history = history or BuyerHistory()
    aliases = aliases or Aliases()
    today = now.astimezone(zone_of(rules)).date()
    work = emoji_words(text).lower()
    if not re.search(r"[a-z0-9]", work):
        return ParseResult(False, reason="empty")

    asked = find_date(work, today)
    if asked is not None:
        work = _blank(work, asked.span)
    base_lines, history_kind, factor, work = _history(work, history, today)
    if history_kind is None and base:
        base_lines, history_kind = dict(base), "draft"

    reader = _Reader(catalog, aliases, history, base_lines)
    for fragment in _fragments(work):
        reader.read(fragment, history_kind is not None)

    reader.settle()
    lines = reader.lines()
    explicit = (any("quantity_assumed" not in ln.flags for ln in lines)
                or any(q.quantity is not None for q in reader.questions))
    reason = classify.non_order_reason(text, explicit or history_kind is not None)
    evidence = (explicit or history_kind is not None or asked is not None
                or classify.has_intent(text) or len(lines) + len(reader.questions) > 1)
    if reason is None and not (lines or reader.questions or history_kind):
        reason = "no_items"
    if reason is None and not evidence:
        reason = "no_order_intent"
    if reason is not None:
        return ParseResult(False, unmatched=reader.unmatched, reason=reason)
    if factor != 1:
        for line in lines:
            if line.how == "history":
                line.quantity *= factor
    when = delivery_date(asked, rules, now)
    return ParseResult(True, lines=lines, unmatched=reader.unmatched,
                       requested_delivery_date=when.day, date_note=when.note,
                       questions=reader.questions, history=history_kind,
                       date_asked=asked is not None)


def _blank(text: str, span: tuple[int, int]) -> str:
    return text[:span[0]] + " " * (span[1] - span[0]) + text[span[1]:]


def _history(work: str, history: BuyerHistory,
             today: date) -> tuple[dict[int, int], str | None, int, str]:
    """The order the message refers to (product → quantity), which kind, the factor
    ("double my last order") and the text without the reference."""
    for pattern, kind in _HISTORY:
        found = pattern.search(work)
        if found is None:
            continue
        before = work[:found.start()]
        factor = 1
        multiplier = _DOUBLE_ALL.search(before) or _TRIPLE_ALL.search(before)
        start = found.start()
        if multiplier is not None:
            factor = 3 if multiplier.group(0).strip().startswith("triple") else 2
            start = multiplier.start()
        work = _blank(work, (start, found.end()))
        if kind == "usual":
            base = history.usual()
        else:
            order = history.last_week(today) if kind == "last_week" else history.last_order()
            base = dict(order.lines) if order else {}
        return base, kind, factor, work
    return {}, None, 1, work


_LAST_WORD = re.compile(r"[\s,]*\b([\w']+)\W*$")


def _without_trail(fragment: str) -> str:
    """"4 heads of lettuce for" (before a date) → "4 heads of lettuce": the line's words
    without the courtesy and connecting words that end it."""
    while (last := _LAST_WORD.search(fragment)) and last.group(1) in _TRAIL:
        fragment = fragment[:last.start()]
    return fragment.strip()


def _fragments(work: str) -> list[str]:
    out: list[str] = []
    for part in _SPLIT.split(work):
        if part is None:
            continue
        for piece in _AND.split(part):
            piece = piece.strip(" \t-*•:>")
            if piece and re.search(r"[a-z0-9]", piece):
                out.extend(_items(piece))
    return out


_ANCHOR = re.compile(r"^(?:\d+(?:\.\d+)?|x\d+|\d+x|\(\d+\)|\d+(?:cs|bags?|lbs?|kg|ea|bx))$")
_LEADING_ANCHOR = re.compile(r"^(?:[1-9]\d*(?:\.\d+)?|\d+(?:cs|bags?|lbs?|kg|ea|bx))$")


def _items(piece: str) -> list[str]:
    """Several items written without separators: "4 cs avos 2 limes 1 cilantro" (numbers
    lead) or "trash bags x3 sponges x2" (numbers trail)."""
    words = piece.split()
    anchors = [i for i, w in enumerate(words) if _ANCHOR.match(w)]
    if len(anchors) < 2:
        return [piece]
    cuts: list[int] = []
    if anchors[0] == 0:
        cuts = [i for i in anchors[1:] if _LEADING_ANCHOR.match(words[i])
                and words[i - 1] not in ("x", "*", "of", "and") and not _ANCHOR.match(words[i - 1])]
    elif anchors[-1] == len(words) - 1:
        cuts = [i + 1 for i in anchors[:-1]]
    bounds = [0, *cuts, len(words)]
    return [" ".join(words[a:b]) for a, b in zip(bounds, bounds[1:], strict=False) if a < b]


class _Reader:
    """Reads fragments one by one into lines, questions, unmatched text and history edits."""

    def __init__(self, catalog: CatalogIndex, aliases: Aliases, history: BuyerHistory,
                 base: dict[int, int] | dict[int, Decimal]) -> None:
        self.catalog = catalog
        self.aliases = aliases
        self.frequency = dict(history.frequency())
        self.base = {pid: Decimal(q) for pid, q in base.items() if pid in catalog.products}
        self.edited: dict[int, str] = {}  # product id → the words that changed it
        self.added: list[ParsedLine] = []
        self.questions: list[Question] = []
        self.unmatched: list[str] = []
        self._asked: list[tuple[str, Quantity | None, Match, bool]] = []

    # -- one fragment -----------------------------------------------------------------------

    def read(self, fragment: str, refers_to_history: bool, increment: bool = False) -> None:
        if refers_to_history:
            edit = _SOFT_LEAD.sub("", fragment)
            if self._edit(edit):
                return
        fragment = _without_trail(_LEAD.sub("", fragment).strip())
        words = tokens(fragment)
        quantity, rest = take_quantity(words)
        if quantity is None:
            quantity, rest = _after_chatter(words, self.catalog)
        rest = [w for w in rest if w not in ("(", ")")]
        content = [w for w in normal_tokens(" ".join(rest)) if w not in FILLER]
        if not content:
            if quantity is not None and quantity.unit is None and not rest:
                return  # a bare number left by a split: nothing to read
            return
        match = self.catalog.match(normal_tokens(" ".join(rest)), self.aliases, self.frequency)
        if match.best is None and not match.ambiguous and " and " in f" {fragment} ":
            parts = re.split(r"\s(?:and|n|&)\s", fragment)
            if len(parts) > 1:
                for part in parts:
                    self.read(part, refers_to_history, increment)
                return
        if match.ambiguous:
            self._asked.append((fragment, quantity, match, refers_to_history))
        elif match.best is not None:
            self._line(fragment, quantity, match, refers_to_history, increment)
        elif not set(content) <= _CHATTER:
            self.unmatched.append(fragment.strip())

    def _edit(self, fragment: str) -> bool:
        """A change to the history order; False when `fragment` is not one."""
        for pattern, action in ((_REMOVE, "remove"), (_DOUBLE, "double"), (_EXTRA, "extra"),
                                (_MORE, "more"), (_SET, "set"), (_ADD, "add")):
            found = pattern.match(fragment)
            if found is None:
                continue
            target = found.group(found.lastindex or 1)
            if action == "add":
                self.read(target, True, increment=True)
                return True
            if action == "set":
                quantity, rest = take_quantity(tokens(target))
                if quantity is None:
                    return False
                pid = self._in_base(rest)
                if pid is None:
                    return False
                self.base[pid] = self._converted(pid, quantity)
                self.edited[pid] = fragment
                return True
            if action == "more":
                amount, rest = take_quantity(tokens(found.group(1)) + tokens(found.group(2)))
                if amount is None:
                    return False
            pid = self._in_base(tokens(target))
            if pid is None:
                if action in ("extra", "more"):
                    self.read(fragment if action == "more" else f"1 {target}", True)
                    return True
                return action == "remove"  # removing what was not there: nothing to do
            if action == "remove":
                del self.base[pid]
            elif action == "double":
                self.base[pid] *= 2
            elif action == "extra":
                self.base[pid] += 1
            else:
                self.base[pid] += self._converted(pid, amount)  # type: ignore[arg-type]
            self.edited[pid] = fragment
            return True
        return False

    def _in_base(self, words: list[str]) -> int | None:
        """The product of the history order `words` name, if any."""
        if not self.base:
            return None
        match = self.catalog.match(normal_tokens(" ".join(words)), self.aliases,
                                   {pid: 100 for pid in self.base})
        if match.best is not None and match.best.product.id in self.base:
            return match.best.product.id
        ranked = self.catalog._ranked(self.catalog.expand(
            [w for w in normal_tokens(" ".join(words)) if w not in FILLER]))
        for candidate in ranked:
            if candidate.product.id in self.base and candidate.score >= 0.5:
                return candidate.product.id
        return None

    def _converted(self, pid: int, quantity: Quantity) -> Decimal:
        product = self.catalog.products[pid]
        return convert(quantity.amount, quantity.unit, product.unit, product.case_size,
                       product.name).quantity

    def _line(self, fragment: str, quantity: Quantity | None, match: Match,
              refers_to_history: bool, increment: bool) -> ParsedLine | None:
        """A line (returned when it is a line of its own); in a history order, a product
        already there is set to the quantity (or, after "add"/"plus", increased by it)."""
        best = match.best
        assert best is not None
        product = best.product
        flags: list[str] = []
        note = None
        confidence = best.score
        if quantity is None:
            amount = Decimal(1)
            flags.append("quantity_assumed")
            confidence *= 0.85
        else:
            converted = convert(quantity.amount, quantity.unit, product.unit,
                                product.case_size, product.name)
            amount = converted.quantity
            if converted.note:
                note = f"converted from {converted.note}"
                flags.append("unit_converted")
            if not converted.exact:
                flags.append("check_quantity")
                confidence *= 0.8
        if match.resolved_by_history:
            flags.append("chosen_by_history")
        if amount <= 0:
            self.unmatched.append(fragment.strip())
            return None
        if refers_to_history and product.id in self.base:
            self.base[product.id] = amount + (self.base[product.id] if increment else 0)
            self.edited[product.id] = fragment
            return None
        line = ParsedLine(product.id, product.sku, product.name, amount, product.unit,
                          round(min(confidence, 1.0), 2), fragment.strip(), flags, note,
                          best.how)
        for existing in self.added:
            if existing.product_id == product.id:
                existing.quantity += amount
                existing.source_text += f"; {line.source_text}"
                return existing
        self.added.append(line)
        return line

    def _ask(self, fragment: str, quantity: Quantity | None, match: Match) -> None:
        options = [
            QuestionOption(n, c.product.id, c.product.sku, c.product.name, c.product.unit,
                           c.product.case_size)
            for n, c in enumerate(match.tied, start=1)
        ]
        head = fragment.strip()
        choices = " or ".join(f"{o.number}) {_describe(self.catalog.products[o.product_id])}"
                              for o in options)
        numbers = ", ".join(str(o.number) for o in options[:-1]) + f" or {options[-1].number}"
        self.questions.append(Question(
            fragment=head, prompt=f"{head[:1].upper()}{head[1:]}: {choices}? Reply {numbers}.",
            quantity=quantity.amount if quantity else None,
            unit=quantity.unit if quantity else None, options=options))

    # -- the result -------------------------------------------------------------------------

    def settle(self) -> None:
        """Ask about the items that fit several products — unless exactly one of them shares
        a word with another line of the message ("4 sparkling, 4 still water": water)."""
        named = {pid for pid in self.base} | {ln.product_id for ln in self.added}
        context = {w for pid in named for w in self.catalog.tokens[pid]}
        for fragment, quantity, match, refers_to_history in self._asked:
            fitting = [c for c in match.tied
                       if set(self.catalog.tokens[c.product.id]) & context - set(
                           normal_tokens(fragment))]
            if len(fitting) == 1:
                chosen = fitting[0]
                pick = Match(Candidate(chosen.product, min(chosen.score, 0.75), chosen.how))
                line = self._line(fragment, quantity, pick, refers_to_history, False)
                if line is not None:
                    line.flags.append("chosen_by_context")
            else:
                self._ask(fragment, quantity, match)

    def lines(self) -> list[ParsedLine]:
        out: list[ParsedLine] = []
        for pid, quantity in self.base.items():
            product = self.catalog.products[pid]
            source = self.edited.get(pid, "(history)")
            out.append(ParsedLine(pid, product.sku, product.name, quantity, product.unit, 0.9,
                                  source, ["from_history"], None, "history"))
        out.extend(self.added)
        return out


def _after_chatter(words: list[str], catalog: CatalogIndex) -> tuple[Quantity | None, list[str]]:
    """"yeah hi its marco can you send me three cases of lemons": the quantity that starts
    the item, after words that name nothing in the catalog."""
    for i, word in enumerate(words[1:], start=1):
        if word in ("a", "an") or number(word) is None:
            continue
        if catalog.match([w for w in words[:i] if w not in FILLER]).best is not None:
            break
        quantity, rest = take_quantity(words[i:])
        if quantity is not None and rest:
            return quantity, rest
    return None, words


def _describe(product: CatalogProduct) -> str:
    unit = canonical_unit(product.unit)
    if product.case_size > 1 and unit in ("case", "box", "pack"):
        return f"{product.name}, {unit} of {product.case_size}"
    return f"{product.name}, {product.unit}"
