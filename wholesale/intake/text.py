"""Normalising text the same way for messages and catalog names: lower case, no accents,
punctuation to spaces (keeping "1/2", "2.5", "#10", "16/20"), plural → singular."""

from __future__ import annotations

import re
import unicodedata

_KEEP = re.compile(r"\(\d+\)|\d+(?:[./]\d+)+|#\d+|[a-z0-9#]+(?:'[a-z]+)?|[()]")
_IRREGULAR = {
    "leaves": "leaf", "loaves": "loaf", "knives": "knife", "potatoes": "potato",
    "tomatoes": "tomato", "mangoes": "mango", "avocadoes": "avocado", "dozens": "dozen",
    "cheeses": "cheese", "sauces": "sauce", "boxes": "box", "glasses": "glass",
    "dishes": "dish", "peaches": "peach", "radishes": "radish", "bunches": "bunch",
    "limes": "lime", "olives": "olive", "chives": "chive",
}
# Words whose trailing "s" is not a plural.
_NOT_PLURAL = {"hummus", "asparagus", "citrus", "couscous", "molasses", "swiss", "bass",
               "glass", "grass", "lemongrass", "is", "was", "has", "this", "us", "bus", "plus",
               "yes", "pls", "thanks", "lbs", "kgs", "gals", "cs", "ps", "less", "miss"}


# Food emoji buyers write instead of the word ("🍋 x2 cases").
EMOJI = {
    "🍋": "lemon", "🍊": "orange", "🍅": "tomato", "🥑": "avocado", "🥚": "egg",
    "🧀": "cheese", "🥛": "milk", "🍄": "mushroom", "🧅": "onion", "🥔": "potato",
    "🥕": "carrot", "🧄": "garlic", "🥬": "lettuce", "🥒": "cucumber", "🌶": "chili",
    "🫑": "bell pepper", "🍌": "banana", "🍎": "apple", "🍓": "strawberry",
    "🍗": "chicken", "🥩": "beef", "🥓": "bacon", "🐟": "fish", "🦐": "shrimp",
    "☕": "coffee", "🍞": "bread", "🧈": "butter", "🍚": "rice", "🍝": "pasta",
    "🧃": "juice", "💧": "water", "🫒": "olive", "🍇": "grape", "🍉": "watermelon",
}
_ANY = "|".join(map(re.escape, EMOJI))
# An emoji counted as an item ("2 🥑", "3 cs 🍋", "🍋 x2") stands for its word; elsewhere
# ("for friday ☕", "thanks 🙏") it is decoration and names nothing.
_COUNTED = re.compile(
    rf"(?<=\d)\s*(?:x|cs|cases?|bags?|box(?:es)?|ea)?\s*({_ANY})"
    rf"|({_ANY})(?=\s*(?:x\s*)?\d)")
_EMOJI = re.compile(_ANY)


def emoji_words(text: str) -> str:
    """Food emoji counted as items as the words they stand for; the others dropped."""
    def word(m: re.Match[str]) -> str:
        found = m.group(1) or m.group(2)
        return m.group(0).replace(found, f" {EMOJI[found]} ")

    return _EMOJI.sub(" ", _COUNTED.sub(word, text))


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def singular(token: str) -> str:
    if token in _IRREGULAR:
        return _IRREGULAR[token]
    if len(token) <= 3 or token in _NOT_PLURAL or not token.isalpha():
        return token
    if token.endswith("ies") and len(token) > 4:
        return token[:-3] + "y"
    if token.endswith(("ches", "shes", "xes", "sses", "zzes")):
        return token[:-2]
    if token.endswith("oes"):
        return token[:-2]
    if token.endswith("s") and not token.endswith(("ss", "us", "is")):
        return token[:-1]
    return token


def tokens(text: str) -> list[str]:
    """Lower-cased, accent-free tokens (plurals kept; see `singular`)."""
    clean = strip_accents(text.lower()).replace("’", "'").replace("&", " and ")
    return [t.replace("'", "") for t in _KEEP.findall(clean)]


def normal_tokens(text: str) -> list[str]:
    return [singular(t) for t in tokens(text) if t not in ("(", ")")]


def wordlist(text: str) -> list[str]:
    """The words of a long literal (tables of spellings read better as one string)."""
    return text.split()
