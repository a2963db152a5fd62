"""Matching a buyer's words to one product of the supplier's catalog.

Order of evidence: a SKU; a learned alias (the buyer's, then the supplier's); then a fuzzy
score over normalised name tokens — slang expanded, plurals folded, typos and prefixes
("parm" → "parmigiano") allowed, each token weighted by how rare it is in the catalog. When
several products fit about as well, the buyer's history decides; when it cannot, the
matcher returns them all so the parser asks.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from wholesale.intake.catalog import Aliases, CatalogProduct
from wholesale.intake.quantities import take_quantity
from wholesale.intake.text import normal_tokens, singular, tokens, wordlist

# Buyer's word → what catalogs call it (alternatives; the first the catalog knows is used).
SLANG: dict[str, tuple[str, ...]] = {
    "avo": ("avocado",), "avocado": ("avocado",), "mozz": ("mozzarella",),
    "moz": ("mozzarella",), "mozza": ("mozzarella",), "parm": ("parmigiano", "parmesan"),
    "parmesan": ("parmesan", "parmigiano"), "parmigiano": ("parmigiano", "parmesan"),
    "evoo": ("extra virgin olive oil", "olive oil"), "xvoo": ("extra virgin olive oil",),
    "shroom": ("mushroom",), "oj": ("orange juice",), "spud": ("potato",),
    "tater": ("potato",), "cuke": ("cucumber",), "jala": ("jalapeno",),
    "scallion": ("green onion", "scallion"), "green onion": ("green onion", "scallion"),
    "chix": ("chicken",), "chx": ("chicken",), "bfast": ("breakfast",),
    "choc": ("chocolate",), "pt": ("paper towel",), "tp": ("toilet paper",),
    "sani": ("sanitizer",), "sanitiser": ("sanitizer",), "h2o": ("water",),
    "bubbly": ("sparkling",), "fizzy": ("sparkling",), "sparkly": ("sparkling",),
    "ap": ("all purpose",), "xv": ("extra virgin",), "ev": ("extra virgin",),
    "za": ("pizza",), "prosc": ("prosciutto",), "pro": ("prosciutto",),
    "cilantro": ("cilantro", "coriander"), "coriander": ("coriander", "cilantro"),
    "bok": ("bok",), "pak": ("bok",), "msg": ("msg", "monosodium glutamate"),
    "sriracha": ("sriracha",), "siracha": ("sriracha",), "kombu": ("kombucha",),
    "oat": ("oat",), "calrose": ("calrose", "sushi rice"), "med": ("medium",),
    "lg": ("large",), "sm": ("small",), "lrg": ("large",), "xl": ("extra large",),
    "bev": ("beverage",), "aubergine": ("eggplant",), "courgette": ("zucchini",),
    "garbanzo": ("chickpea",), "lettuce": ("lettuce", "romaine"), "sparkling": ("sparkling",),
    "panko": ("panko",), "gf": ("gluten free",), "decaff": ("decaf",),
    "coke": ("cola",), "tom": ("tomato",), "toms": ("tomato",), "mater": ("tomato",),
}

# Words that never name a product (courtesy, filler, order verbs).
FILLER = frozenset(
    wordlist("a an the of some pls plz please thx thanks ty more also and or for me us my our i we "
    "can could get got need needs want wanted send sending order ordering like would will "
    "you u to please pls just x with in on this that these those it its add plus extra "
    "another same again too as well ok okay kindly hi hey hello yo morning gm asap "
    "if possible thank cheers lol")
)
# Words that describe a product but never name one alone: "1 case large" after "gloves"
# is not a case of large eggs.
DESCRIPTORS = frozenset(wordlist(
    "large medium small big little mini jumbo extra xl xxl fresh frozen dried "
    "red green yellow white black brown organic regular normal plain new good best cheap"))
_SKU_SPLIT = re.compile(r"[^a-z0-9]+")
_SIZE = re.compile(r"^\d|^#\d|\d(?:ml|l|oz|g|ct|mm|cm)$")
_NAME_NOISE = frozenset(wordlist("ct x ml oz g qt gal pt mo lb lbs kg kgs cm mm no"))

TOKEN_CUTOFF = 80  # rapidfuzz ratio under which two words are different words
ACCEPT = 0.72  # the lowest score taken as a match
MARGIN = 0.06  # candidates this close to the best are equally good


@dataclass(frozen=True)
class Candidate:
    product: CatalogProduct
    score: float  # 0..1
    how: str  # "sku" | "alias" | "supplier_alias" | "name"


@dataclass
class Match:
    """The best candidate, or the tied ones the parser must ask about."""

    best: Candidate | None
    tied: list[Candidate] = field(default_factory=list)
    resolved_by_history: bool = False

    @property
    def ambiguous(self) -> bool:
        return self.best is None and len(self.tied) > 1


def sku_key(text: str) -> str:
    return _SKU_SPLIT.sub("", text.lower())


def phrase_key(text: str) -> str:
    """The normal form learned aliases are stored under: the words naming the product
    (without a quantity, unit, sizes or filler), singular — as `match()` looks them up."""
    _, rest = take_quantity(tokens(text))
    return " ".join(content_words(normal_tokens(" ".join(rest))))


def content_words(words: list[str]) -> list[str]:
    return [w for w in words if w not in FILLER and not _SIZE.search(w)]


def _name_tokens(name: str) -> list[str]:
    return [t for t in normal_tokens(name) if t not in _NAME_NOISE and not _SIZE.search(t)]


class CatalogIndex:
    """A supplier's active catalog, indexed once for many messages."""

    def __init__(self, products: list[CatalogProduct]) -> None:
        self.products = {p.id: p for p in products}
        self.by_sku = {sku_key(p.sku): p.id for p in products}
        self.tokens: dict[int, list[str]] = {p.id: _name_tokens(p.name) for p in products}
        self.postings: dict[str, set[int]] = {}
        for pid, toks in self.tokens.items():
            for tok in toks:
                self.postings.setdefault(tok, set()).add(pid)
        n = max(len(products), 1)
        self.idf = {t: math.log(1 + n / len(ids)) for t, ids in self.postings.items()}
        self.unknown_weight = math.log(1 + n)  # a word the catalog never uses
        self.vocab = list(self.postings)
        self._similar: dict[str, dict[str, float]] = {}

    def __len__(self) -> int:
        return len(self.products)

    def similar(self, token: str) -> dict[str, float]:
        """Catalog words like `token`: exact 1.0, typo ≥ 0.8, prefix ("parm") 0.9."""
        cached = self._similar.get(token)
        if cached is not None:
            return cached
        found: dict[str, float] = {}
        if token in self.postings:
            found[token] = 1.0
        if len(token) >= 4:
            for word, score, _ in process.extract(token, self.vocab, scorer=fuzz.ratio,
                                                  score_cutoff=TOKEN_CUTOFF, limit=None):
                found[word] = max(found.get(word, 0.0), 0.95 * score / 100)
            # Swapped letters ("onoins", "lemosn") cost fuzz.ratio two edits, OSA one.
            for word, score, _ in process.extract(token, self.vocab,
                                                  scorer=OSA.normalized_similarity,
                                                  score_cutoff=TOKEN_CUTOFF / 100, limit=None):
                found[word] = max(found.get(word, 0.0), 0.95 * score)
            for word in self.vocab:
                if len(word) > len(token) and word.startswith(token):
                    found[word] = max(found.get(word, 0.0), 0.9)
        self._similar[token] = found
        return found

    def expand(self, words: list[str]) -> list[str]:
        """Slang replaced by the catalog's own words (when the catalog has them)."""
        out: list[str] = []
        i = 0
        while i < len(words):
            pair = " ".join(words[i:i + 2])
            key, step = (pair, 2) if pair in SLANG else (words[i], 1)
            options = SLANG.get(key)
            chosen = None
            for option in options or ():
                option_tokens = [singular(t) for t in option.split()]
                if all(t in self.postings for t in option_tokens):
                    chosen = option_tokens
                    break
            out.extend(chosen if chosen else words[i:i + step])
            i += step
        return out

    # -- matching -------------------------------------------------------------------------

    def match(self, words: list[str], aliases: Aliases | None = None,
              frequency: dict[int, int] | None = None) -> Match:
        """The product `words` name (tokens already without the quantity)."""
        content = content_words(words)
        if not content:
            return Match(None)
        for w in words:
            pid = self.by_sku.get(sku_key(w))
            if pid is not None and len(sku_key(w)) >= 3:
                return Match(Candidate(self.products[pid], 0.99, "sku"))
        pid = self.by_sku.get(sku_key("".join(words)))
        if pid is not None:
            return Match(Candidate(self.products[pid], 0.99, "sku"))
        key = " ".join(content)
        if aliases is not None:
            for table, how, score in ((aliases.buyer, "alias", 0.97),
                                      (aliases.supplier, "supplier_alias", 0.95)):
                pid = table.get(key)
                if pid is not None and pid in self.products:
                    return Match(Candidate(self.products[pid], score, how))
        if all(singular(w) in DESCRIPTORS for w in content):
            return Match(None)
        ranked = self._ranked(self.expand(content))
        if not ranked or ranked[0].score < ACCEPT:
            return Match(None)
        top = ranked[0].score
        tied = [c for c in ranked if c.score >= top - MARGIN and c.score >= ACCEPT]
        if len(tied) == 1:
            return Match(tied[0])
        return _by_history(tied, frequency or {})

    def _ranked(self, query: list[str]) -> list[Candidate]:
        """Candidates by score: 0.8 × how much of the query the name covers (idf-weighted)
        + 0.2 × how much of the name the query covers."""
        weights: list[float] = []
        sims: list[dict[str, float]] = []
        for word in query:
            similar = self.similar(word)
            sims.append(similar)
            if similar:
                best = max(similar, key=similar.__getitem__)
                weights.append(self.idf[best])
            else:
                weights.append(self.unknown_weight if len(word) > 1 else 0.1)
        total = sum(weights)
        if total <= 0:
            return []
        candidates: set[int] = set()
        for similar in sims:
            for word in similar:
                candidates |= self.postings[word]
        ranked: list[Candidate] = []
        for pid in candidates:
            name = self.tokens[pid]
            covered = 0.0
            hit: set[str] = set()
            for weight, similar in zip(weights, sims, strict=True):
                best_word, best = None, 0.0
                for word in name:
                    score = similar.get(word, 0.0)
                    if score > best:
                        best_word, best = word, score
                if best_word is not None:
                    covered += weight * best
                    hit.add(best_word)
            name_total = sum(self.idf[w] for w in name) or 1.0
            name_covered = sum(self.idf[w] for w in hit) / name_total
            score = 0.8 * covered / total + 0.2 * name_covered
            ranked.append(Candidate(self.products[pid], round(score, 4), "name"))
        ranked.sort(key=lambda c: (-c.score, c.product.id))
        return ranked


def _by_history(tied: list[Candidate], frequency: dict[int, int]) -> Match:
    """Several products fit: the one the buyer orders (clearly most) wins; else ask."""
    bought = sorted((c for c in tied if frequency.get(c.product.id)),
                    key=lambda c: -frequency[c.product.id])
    if bought and (len(bought) == 1
                   or frequency[bought[0].product.id] >= 2 * frequency[bought[1].product.id]):
        chosen = bought[0]
        return Match(Candidate(chosen.product, min(chosen.score, 0.85), chosen.how),
                     resolved_by_history=True)
    return Match(None, tied=tied[:4])
