"""The pure parser, piece by piece: quantities and units, dates and the supplier's rules,
matching, order/non-order, and bad input. No database."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from wholesale.intake.catalog import (
    Aliases,
    BuyerHistory,
    CatalogProduct,
    DeliveryRules,
    PastOrder,
)
from wholesale.intake.dates import delivery_date, find_date
from wholesale.intake.matching import CatalogIndex, phrase_key
from wholesale.intake.parser import MAX_TEXT_LENGTH, parse
from wholesale.intake.quantities import convert, take_quantity
from wholesale.intake.text import tokens

RULES = DeliveryRules("1,2,3,4,5", time(14, 0), "America/Los_Angeles", 1)
MONDAY = date(2025, 12, 8)
PRODUCTS = [
    CatalogProduct(1, "LET-HRT", "Romaine hearts", "case", 24),
    CatalogProduct(2, "LET-WHL", "Romaine, whole heads", "each", 24),
    CatalogProduct(3, "LEM", "Lemons 115 ct", "case", 115),
    CatalogProduct(4, "ONI", "Yellow onions, 50 lb", "bag", 1),
    CatalogProduct(5, "PAR", "Parmigiano Reggiano 24 mo", "kg", 1),
    CatalogProduct(6, "EVOO", "Extra virgin olive oil, 3 L", "tin", 1),
    CatalogProduct(7, "MOZ", "Fresh mozzarella, 1 lb", "case", 12),
    CatalogProduct(8, "TOM", "Roma tomatoes", "case", 25),
    CatalogProduct(9, "EGG", "Large eggs 15 dozen", "case", 180),
]
INDEX = CatalogIndex(PRODUCTS)


def at(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=ZoneInfo("America/Los_Angeles"))


def read(text: str, history: BuyerHistory | None = None, aliases: Aliases | None = None,
         now: datetime | None = None):
    return parse(text, INDEX, history, aliases, now=now or at(MONDAY), rules=RULES)


def drafted(result) -> dict[str, Decimal]:
    return {line.sku: line.quantity for line in result.lines}


# -- quantities -----------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "amount", "unit", "rest"), [
    ("3 cs romaine", "3", "case", ["romaine"]),
    ("3cs romaine", "3", "case", ["romaine"]),
    ("two cases of lemons", "2", "case", ["lemons"]),
    ("a dozen eggs", "12", None, ["eggs"]),
    ("x4 evoo", "4", None, ["evoo"]),
    ("4x evoo", "4", None, ["evoo"]),
    ("evoo x4", "4", None, ["evoo"]),
    ("(3) lemons", "3", None, ["lemons"]),
    ("lemons (3)", "3", None, ["lemons"]),
    ("1/2 cs romaine", "0.5", "case", ["romaine"]),
    ("1 1/2 case romaine", "1.5", "case", ["romaine"]),
    ("half a case of romaine", "0.5", "case", ["romaine"]),
    ("10 lb parm", "10", "lb", ["parm"]),
    ("10# parm", "10", "lb", ["parm"]),
    ("romaine 2 cs", "2", "case", ["romaine"]),
])
def test_quantities_as_buyers_write_them(text, amount, unit, rest):
    quantity, left = take_quantity(tokens(text))
    assert quantity is not None
    assert (quantity.amount, quantity.unit, left) == (Decimal(amount), unit, rest)


def test_units_convert_to_the_products_unit_or_are_flagged():
    assert convert(Decimal(2), "case", "each", 24, "Romaine, whole heads").quantity == 48
    assert convert(Decimal("0.5"), "case", "each", 24, "Romaine, whole heads").quantity == 12
    assert convert(Decimal(48), "each", "case", 24, "Romaine hearts").quantity == 2
    by_weight = convert(Decimal(100), "lb", "bag", 1, "Yellow onions, 50 lb")
    assert (by_weight.quantity, by_weight.note) == (2, "100 lb")
    odd = convert(Decimal(30), "each", "case", 115, "Lemons 115 ct")
    assert odd.quantity == 1 and not odd.exact and "rounded up" in odd.note
    unknown = convert(Decimal(3), "lb", "case", 1, "Romaine hearts")
    assert not unknown.exact  # no case weight to convert with: flagged, not guessed


# -- dates ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("3 cs romaine tmrw", date(2025, 12, 9)),
    ("for thurs", date(2025, 12, 11)),
    ("for monday", date(2025, 12, 15)),
    ("next tue", date(2025, 12, 16)),  # said on a Monday: the Tuesday of next week
    ("wed delivery", date(2025, 12, 10)),
    ("12/8", date(2025, 12, 8)),
    ("for 12/12", date(2025, 12, 12)),
    ("Dec 12", date(2025, 12, 12)),
    ("12th december", date(2025, 12, 12)),
    ("for the 15th", date(2025, 12, 15)),
    ("jan 3", date(2026, 1, 3)),
])
def test_date_phrases(text, expected):
    found = find_date(text, MONDAY)
    assert found is not None and found.day == expected


def test_fractions_and_sun_dried_are_not_dates():
    assert find_date("1/2 cs romaine", MONDAY) is None
    assert find_date("2 jars sun dried tomatoes", MONDAY) is None


def test_a_date_past_the_cutoff_or_off_the_delivery_days_moves_and_says_why():
    tomorrow = find_date("tmrw", MONDAY)
    assert delivery_date(tomorrow, RULES, at(MONDAY, 9)).day == date(2025, 12, 9)
    late = delivery_date(tomorrow, RULES, at(MONDAY, 15))
    assert late.day == date(2025, 12, 10)
    assert late.note == ("Tuesday Dec 9 is past the cut-off; earliest delivery is "
                         "Wednesday Dec 10.")
    saturday = delivery_date(find_date("for sat", MONDAY), RULES, at(MONDAY))
    assert saturday.day == date(2025, 12, 15)
    assert saturday.note.startswith("No deliveries on Saturdays")
    asap = delivery_date(find_date("asap", MONDAY), RULES, at(MONDAY))
    assert asap.day == date(2025, 12, 9)


def test_relative_dates_count_in_the_suppliers_time_zone():
    # 07:00 UTC on Tuesday is still Monday 23:00 in Los Angeles: "tmrw" is Tuesday.
    now = datetime(2025, 12, 9, 7, 0, tzinfo=ZoneInfo("UTC"))
    result = read("2 cs romaine hearts tmrw", now=now)
    assert result.requested_delivery_date == date(2025, 12, 10)  # Monday after the cut-off
    assert "past the cut-off" in result.date_note


# -- matching -------------------------------------------------------------------------------

def test_names_plurals_typos_slang_and_skus_match():
    result = read("2 cs lemmons, 3 evoo, 1 PAR, 2 roma tomatos, 1 mozz")
    assert drafted(result) == {"LEM": 2, "EVOO": 3, "PAR": 1, "TOM": 2, "MOZ": 1}


def test_several_fitting_products_ask_instead_of_guessing():
    result = read("3 cs romaine")
    assert result.is_order and result.lines == []
    [question] = result.questions
    assert [o.sku for o in question.options] == ["LET-HRT", "LET-WHL"]
    assert question.prompt == ("3 cs romaine: 1) Romaine hearts, case of 24 or "
                               "2) Romaine, whole heads, each? Reply 1 or 2.")
    assert question.quantity == 3 and question.unit == "case"


def test_the_buyers_history_decides_between_fitting_products():
    history = BuyerHistory((PastOrder(date(2025, 12, 1), {2: 24}),))
    result = read("3 cs romaine", history)
    assert drafted(result) == {"LET-WHL": 72}  # 3 cases of 24 heads, sold each
    assert "chosen_by_history" in result.lines[0].flags
    assert result.lines[0].note == "converted from 3 case(s) of 24"


def test_learned_aliases_win_buyer_first():
    aliases = Aliases(buyer={phrase_key("3 cs green stuff"): 1}, supplier={"green stuff": 2})
    result = read("3 cs green stuff", aliases=aliases)
    assert drafted(result) == {"LET-HRT": 3} and result.lines[0].how == "alias"
    supplier_wide = read("3 cs green stuff", aliases=Aliases(supplier={"green stuff": 2}))
    assert drafted(supplier_wide) == {"LET-WHL": 72}


def test_each_line_keeps_its_source_text_and_confidence():
    result = read("need 100 lb onions\nand a case of lemons pls")
    lines = {line.sku: line for line in result.lines}
    assert lines["ONI"].quantity == 2 and lines["ONI"].source_text == "100 lb onions"
    assert 0 < lines["ONI"].confidence <= 1
    assert lines["LEM"].quantity == 1


# -- history references ---------------------------------------------------------------------

HISTORY = BuyerHistory((
    PastOrder(date(2025, 12, 4), {1: 3, 9: 2, 7: 2, 6: 2}),
    PastOrder(date(2025, 11, 27), {1: 3, 9: 2, 7: 1}),
    PastOrder(date(2025, 11, 20), {1: 2, 9: 2, 8: 1}),
))


def test_same_as_last_week_with_changes():
    result = read("same as last week but no eggs, and double the mozz", HISTORY)
    assert result.history == "last_week"
    assert drafted(result) == {"LET-HRT": 3, "MOZ": 4, "EVOO": 2}


def test_the_usual_is_what_most_recent_orders_had():
    assert drafted(read("the usual pls", HISTORY)) == {"LET-HRT": 3, "EGG": 2, "MOZ": 2}


def test_double_my_last_order_and_add_to_it():
    assert drafted(read("double my last order", HISTORY)) == {"LET-HRT": 6, "EGG": 4,
                                                              "MOZ": 4, "EVOO": 4}
    added = read("same as last time + 2 cs romaine + 1 cs lemons", HISTORY)
    assert drafted(added) == {"LET-HRT": 5, "EGG": 2, "MOZ": 2, "EVOO": 2, "LEM": 1}


# -- order or not, and bad input --------------------------------------------------------------

@pytest.mark.parametrize(("text", "reason"), [
    ("do you have oat milk?", "question"),
    ("thanks!", "small_talk"),
    ("STOP", "keyword"),
    ("the romaine was wilted", "complaint"),
    ("can I change my delivery to friday", "change"),
    ("low on lemons, will order tmrw", "later"),
    ("🙏🙏", "empty"),
    ("", "empty"),
])
def test_messages_that_are_not_orders(text, reason):
    result = read(text)
    assert (result.is_order, result.reason, result.lines) == (False, reason, [])


def test_another_suppliers_products_match_nothing():
    result = read("2 cs kikkoman soy sauce, 3 bags jasmine rice and 1 cs sriracha")
    assert not result.is_order and result.lines == [] and result.questions == []
    assert len(result.unmatched) == 3


def test_a_request_phrased_as_a_question_is_an_order():
    result = read("can I get 4 x EVOO 3L + 10 lb parm? tmrw if possible")
    assert result.is_order
    assert drafted(result) == {"EVOO": 4, "PAR": 5}
    assert "check_quantity" in next(ln for ln in result.lines if ln.sku == "PAR").flags


def test_too_long_a_message_is_refused():
    with pytest.raises(ValueError):
        read("x" * (MAX_TEXT_LENGTH + 1))


def test_a_long_rambling_message_stays_fast_and_safe():
    text = ("hello there " * 200)[:MAX_TEXT_LENGTH]
    result = read(text)
    assert not result.is_order and result.lines == []


def test_a_size_word_alone_names_no_product():
    """"1 case large" after "gloves" is not a case of large eggs: the words are kept for the
    rep instead of guessed."""
    result = read("running low on gloves - 2 cases medium 1 case large")
    assert drafted(result) == {}
    assert "1 case large" in result.unmatched
    assert drafted(read("2 cs large eggs")) == {"EGG": Decimal(2)}


def test_emoji_swapped_letters_and_shorthand_as_buyers_write():
    assert drafted(read("2 🍋 cases + 1 case 🍅 roma")) == {"LEM": 2, "TOM": 1}
    assert drafted(read("3 cs lemosn")) == {"LEM": 3}
    assert drafted(read("dbl my last order", HISTORY)) == {"LET-HRT": 6, "EGG": 4, "MOZ": 4,
                                                           "EVOO": 4}
    added = read("add 2 cs lemons to friday")
    assert drafted(added) == {"LEM": 2} and added.requested_delivery_date == date(2025, 12, 12)
    assert read("🍋🍋🍋").is_order is False


def test_a_lines_words_end_before_the_date_and_the_courtesy():
    result = read("3 cs lemons and 4 heads of romaine for friday pls")
    assert [line.source_text for line in result.lines] == ["3 cs lemons",
                                                           "4 heads of romaine"]


def test_a_decorative_emoji_names_nothing():
    assert drafted(read("3 cs lemons for friday 🍅")) == {"LEM": 3}
    assert drafted(read("2 cs 🍋 pls")) == {"LEM": 2}
