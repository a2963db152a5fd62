"""Quantities and units as buyers write them: digits, words, fractions, "x4", "(3)", "a dozen".

`take_quantity(tokens)` reads the quantity (and unit) a fragment names and returns what is
left for the product matcher. Units are canonical names (`case`, `lb`, `each`, …); converting
to the product's own unit is `convert()`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

from wholesale.intake.text import wordlist

WORD_NUMBERS: dict[str, Decimal] = {
    word: Decimal(n)
    for n, word in enumerate(
        wordlist("zero one two three four five six seven eight nine ten eleven twelve thirteen "
                 "fourteen "
        "fifteen sixteen seventeen eighteen nineteen twenty")
    )
}
WORD_NUMBERS.update({
    "thirty": Decimal(30), "forty": Decimal(40), "fifty": Decimal(50), "hundred": Decimal(100),
    "a": Decimal(1), "an": Decimal(1), "single": Decimal(1), "couple": Decimal(2),
    "pair": Decimal(2), "half": Decimal("0.5"), "dozen": Decimal(12), "dz": Decimal(12),
    "doz": Decimal(12),
})

# Written unit → canonical unit. "dozen" is a count (12 each), handled by WORD_NUMBERS.
UNITS: dict[str, str] = {}
for canonical, spellings in {
    "case": "case cases cs c/s cse ctn ctns carton cartons",
    "bag": "bag bags bg sack sacks",
    "box": "box boxes bx",
    "each": "ea each pc pcs piece pieces unit units ct",
    "lb": "lb lbs pound pounds #",
    "kg": "kg kgs kilo kilos",
    "tin": "tin tins can cans",
    "jar": "jar jars",
    "jug": "jug jugs",
    "tub": "tub tubs",
    "block": "block blocks",
    "bunch": "bunch bunches bn",
    "pack": "pack packs pk pkt pkts packet packets",
    "bottle": "bottle bottles btl btls",
    "tray": "tray trays flat flats",
    "bucket": "bucket buckets pail pails",
    "gallon": "gal gals gallon gallons",
    "loaf": "loaf loaves",
    "roll": "roll rolls",
    "sleeve": "sleeve sleeves",
}.items():
    for spelling in spellings.split():
        UNITS[spelling] = canonical

WEIGHT_KG = {"lb": Decimal("0.45359237"), "kg": Decimal(1)}
# Units a product is "sold as one of": asking for a different one of these is taken 1:1
# when the product has no case size to convert with (a "case" of a tin-priced oil is a tin).
PACKAGES = {"case", "bag", "box", "tin", "jar", "jug", "tub", "block", "bunch", "pack",
            "bottle", "tray", "bucket", "loaf", "sleeve"}

_FRACTION = re.compile(r"^(\d+)/(\d+)$")
_NUMBER = re.compile(r"^\d+(?:\.\d+)?$")
_GLUED = re.compile(r"^(\d+(?:\.\d+)?)([a-z#/]+)$")  # "3cs", "10lb", "5kg", "10#"
_TIMES = re.compile(r"^(?:x(\d+)|(\d+)x)$")  # "x4", "4x"
_PAREN = re.compile(r"^\((\d+)\)$")  # "(3)"


@dataclass(frozen=True)
class Quantity:
    amount: Decimal
    unit: str | None  # canonical unit, or None when the buyer named none
    text: str  # the words it was read from


def number(token: str) -> Decimal | None:
    """"3", "2.5", "1/2", "three", "a" → the number; anything else → None."""
    if _NUMBER.match(token):
        return Decimal(token)
    fraction = _FRACTION.match(token)
    if fraction and int(fraction.group(2)):
        return Decimal(fraction.group(1)) / Decimal(fraction.group(2))
    return WORD_NUMBERS.get(token)


def unit_of(token: str) -> str | None:
    return UNITS.get(token)


def take_quantity(tokens: list[str]) -> tuple[Quantity | None, list[str]]:
    """The quantity at the start ("3 cs", "1 1/2 case", "a dozen", "x4", "half a case") or
    the end ("x3", "(3)", "- 3", "3 cs") of a fragment, and the remaining tokens."""
    found = _leading(tokens)
    if found is not None:
        return found
    found = _trailing(tokens)
    if found is not None:
        return found
    return None, tokens


def _leading(tokens: list[str]) -> tuple[Quantity, list[str]] | None:
    i = 0
    amount: Decimal | None = None
    unit: str | None = None
    if not tokens:
        return None
    first = tokens[0]
    times = _TIMES.match(first) or _PAREN.match(first)
    glued = _GLUED.match(first)
    if times:
        amount = Decimal(next(g for g in times.groups() if g))
        i = 1
    elif glued and unit_of(glued.group(2)):
        amount, unit, i = Decimal(glued.group(1)), unit_of(glued.group(2)), 1
    else:
        amount = number(first)
        if amount is None or (first in ("a", "an") and len(tokens) == 1):
            return None
        i = 1
        # "1 1/2", "two and a half"
        if i < len(tokens) and _FRACTION.match(tokens[i]):
            amount += number(tokens[i]) or 0
            i += 1
        if first == "half" and i < len(tokens) and tokens[i] in ("a", "an"):
            i += 1
        if i < len(tokens) and tokens[i] in ("dozen", "doz", "dz") and first != tokens[i]:
            amount *= 12
            i += 1
        elif first in ("dozen", "doz", "dz"):
            pass
        if i < len(tokens) and tokens[i] in ("x", "*"):
            i += 1
    if unit is None and i < len(tokens) and unit_of(tokens[i]):
        unit = unit_of(tokens[i])
        i += 1
    if i < len(tokens) and tokens[i] == "of":
        i += 1
    rest = tokens[i:]
    if unit is None and len(rest) > 1 and unit_of(rest[-1]):  # "1x chicken breast case"
        unit, rest = unit_of(rest[-1]), rest[:-1]
    return Quantity(amount, unit, " ".join(tokens[:i])), rest


def _trailing(tokens: list[str]) -> tuple[Quantity, list[str]] | None:
    if len(tokens) < 2:
        return None
    last = tokens[-1]
    times = _TIMES.match(last) or _PAREN.match(last)
    if times:
        amount = Decimal(next(g for g in times.groups() if g))
        return Quantity(amount, None, last), tokens[:-1]
    glued = _GLUED.match(last)
    if glued and unit_of(glued.group(2)):
        return Quantity(Decimal(glued.group(1)), unit_of(glued.group(2)), last), tokens[:-1]
    if unit_of(last) and len(tokens) >= 3 and number(tokens[-2]) is not None:
        return (Quantity(number(tokens[-2]) or Decimal(0), unit_of(last),
                         " ".join(tokens[-2:])), tokens[:-2])
    if _NUMBER.match(last) or _FRACTION.match(last):
        rest = tokens[:-1]
        if rest and rest[-1] in ("x", "*"):
            rest = rest[:-1]
        return Quantity(number(last) or Decimal(0), None, last), rest
    return None


# -- conversion to the product's unit ---------------------------------------------------------

_PACK_WEIGHT = re.compile(r"(\d+(?:\.\d+)?)\s*(lb|lbs|kg)\b")


def pack_weight_kg(name: str) -> Decimal | None:
    """"Yellow onions, 50 lb" → 22.68 (kg per unit sold), from the product's name."""
    match = _PACK_WEIGHT.search(name.lower())
    if match is None:
        return None
    unit = "lb" if match.group(2).startswith("lb") else "kg"
    return Decimal(match.group(1)) * WEIGHT_KG[unit]


@dataclass(frozen=True)
class Converted:
    quantity: Decimal  # in the product's unit
    note: str | None  # what was converted, for the reply and the draft
    exact: bool  # False: the asked unit did not convert cleanly (flag it)


def canonical_unit(unit: str) -> str:
    return UNITS.get(unit.lower(), unit.lower())


def convert(amount: Decimal, asked: str | None, product_unit: str, case_size: int,
            product_name: str) -> Converted:
    """`amount` of `asked` as a quantity of the product's own unit."""
    target = canonical_unit(product_unit)
    if asked is None or asked == target:
        return Converted(amount, None, _whole(amount))
    size = Decimal(max(case_size, 1))
    if asked == "case" and target == "each":
        return _result(amount * size, f"{_fmt(amount)} case(s) of {case_size}", True)
    if asked == "each" and target != "each" and size > 1:
        return _result(amount / size, f"{_fmt(amount)} each; sold by the {target} of {case_size}",
                       True)
    if asked in WEIGHT_KG:
        kg = amount * WEIGHT_KG[asked]
        if target in WEIGHT_KG:
            return _result(kg / WEIGHT_KG[target], f"{_fmt(amount)} {asked}", False)
        per_unit = pack_weight_kg(product_name)
        if per_unit:
            return _result(kg / per_unit, f"{_fmt(amount)} {asked}", False)
        return Converted(amount, f"{_fmt(amount)} {asked}: sold by the {target}", False)
    if asked in PACKAGES and target in PACKAGES:
        return Converted(amount, None if asked == target else f"{_fmt(amount)} {asked}",
                         _whole(amount))
    if asked == "case" and target in WEIGHT_KG:
        return Converted(amount, f"{_fmt(amount)} case(s): sold by the {target}", False)
    return Converted(amount, f"{_fmt(amount)} {asked}: sold by the {target}", False)


def _result(quantity: Decimal, note: str, clean: bool) -> Converted:
    """Rounded to the nearest whole unit when it is within 3 %; else rounded up and flagged."""
    nearest = quantity.to_integral_value()
    if nearest > 0 and abs(quantity - nearest) <= quantity * Decimal("0.03"):
        return Converted(nearest, note, clean)
    up = quantity.to_integral_value(rounding=ROUND_CEILING)
    return Converted(up, f"{note}; rounded up to {_fmt(up)}", False)


def _whole(amount: Decimal) -> bool:
    return amount > 0 and amount == amount.to_integral_value()


def _fmt(amount: Decimal) -> str:
    text = format(amount.normalize(), "f")
    return text
