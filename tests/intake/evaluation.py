"""The intake corpus (corpus.yaml, catalogs/*.yaml) and its scoring, shared by
tests/intake/test_corpus.py and bench/intake_eval.py. No database, no app."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field
from datetime import date, datetime
from datetime import time as dtime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from wholesale.intake.catalog import (
    Aliases,
    BuyerHistory,
    CatalogProduct,
    DeliveryRules,
    PastOrder,
)
from wholesale.intake.matching import CatalogIndex
from wholesale.intake.parser import ParseResult, parse

HERE = Path(__file__).resolve().parent


@dataclass
class Shop:
    products: list[CatalogProduct]
    index: CatalogIndex
    rules: DeliveryRules
    by_sku: dict[str, CatalogProduct]
    histories: dict[str, BuyerHistory] = field(default_factory=dict)


def rules_from(spec: dict[str, Any]) -> DeliveryRules:
    hours, minutes = (int(x) for x in str(spec["cutoff"]).split(":"))
    return DeliveryRules(",".join(str(d) for d in spec["delivery_days"]), dtime(hours, minutes),
                         spec["timezone"], spec["lead_days"])


@cache
def shops(corpus_file: str = "corpus.yaml") -> dict[str, Shop]:
    corpus = yaml.safe_load((HERE / corpus_file).read_text())
    out: dict[str, Shop] = {}
    for name in corpus["catalogs"]:
        spec = yaml.safe_load((HERE / "catalogs" / f"{name}.yaml").read_text())
        products = [CatalogProduct(**{k: v for k, v in p.items() if k != "category"},
                                   category=p.get("category", "")) for p in spec["products"]]
        by_sku = {p.sku: p for p in products}
        shop = Shop(products, CatalogIndex(products), rules_from(spec["rules"]), by_sku)
        for buyer, orders in (corpus.get("histories", {}).get(name) or {}).items():
            shop.histories[buyer] = BuyerHistory(tuple(
                PastOrder(o["placed_on"], {by_sku[s].id: q for s, q in o["lines"].items()})
                for o in sorted(orders, key=lambda o: o["placed_on"], reverse=True)))
        out[name] = shop
    return out


def cases(corpus_file: str = "corpus.yaml") -> list[dict[str, Any]]:
    return yaml.safe_load((HERE / corpus_file).read_text())["cases"]


def moment(case: dict[str, Any], rules: DeliveryRules) -> datetime:
    """The case's `now` (local time) or the start of its `today`, in the supplier's zone."""
    zone = ZoneInfo(rules.timezone)
    if "now" in case:
        return datetime.fromisoformat(str(case["now"])).replace(tzinfo=zone)
    return datetime.combine(case["today"], dtime(0, 0), tzinfo=zone)


def run_case(case: dict[str, Any], corpus_file: str = "corpus.yaml") -> ParseResult:
    shop = shops(corpus_file)[case["catalog"]]
    history = shop.histories.get(case.get("buyer", ""), BuyerHistory())
    aliases = Aliases(buyer={k: shop.by_sku[v].id for k, v in (case.get("aliases") or {}).items()})
    return parse(case["text"], shop.index, history, aliases, now=moment(case, shop.rules),
                 rules=shop.rules)


@dataclass
class Outcome:
    case: dict[str, Any]
    result: ParseResult
    exact: bool
    got_lines: dict[str, Decimal]
    want_lines: dict[str, Decimal]
    problems: list[str]


def judge(case: dict[str, Any], result: ParseResult) -> Outcome:
    want_order = bool(case["order"])
    want = {sku: Decimal(str(q)) for sku, q in (case.get("lines") or {}).items()}
    got = {ln.sku: ln.quantity for ln in result.lines}
    problems: list[str] = []
    if result.is_order != want_order:
        problems.append(f"is_order {result.is_order} (reason {result.reason})")
    if got != want:
        problems.append(f"lines {_fmt(got)} != {_fmt(want)}")
    want_date = case.get("date")
    if result.requested_delivery_date != want_date:
        problems.append(f"date {result.requested_delivery_date} != {want_date}")
    asked = [q.fragment for q in result.questions]
    wanted_q = case.get("questions") or []
    if len(asked) != len(wanted_q) or not all(any(w in a for a in asked) for w in wanted_q):
        problems.append(f"questions {asked} != {wanted_q}")
    return Outcome(case, result, not problems, got, want, problems)


def _fmt(lines: dict[str, Decimal]) -> str:
    return "{" + ", ".join(f"{k}: {v}" for k, v in sorted(lines.items())) + "}"


@dataclass
class Report:
    outcomes: list[Outcome]
    timings_ms: list[float]

    @property
    def exact_rate(self) -> float:
        return sum(o.exact for o in self.outcomes) / len(self.outcomes)

    @property
    def false_orders(self) -> int:
        return sum(1 for o in self.outcomes if o.result.is_order and not o.case["order"])

    @property
    def missed_orders(self) -> int:
        return sum(1 for o in self.outcomes if not o.result.is_order and o.case["order"])

    def _line_counts(self) -> tuple[int, int, int]:
        right = predicted = expected = 0
        for o in self.outcomes:
            predicted += len(o.got_lines)
            expected += len(o.want_lines)
            right += sum(1 for s, q in o.got_lines.items() if o.want_lines.get(s) == q)
        return right, predicted, expected

    @property
    def line_precision(self) -> float:
        right, predicted, _ = self._line_counts()
        return right / predicted if predicted else 1.0

    @property
    def line_recall(self) -> float:
        right, _, expected = self._line_counts()
        return right / expected if expected else 1.0

    @property
    def date_accuracy(self) -> float:
        orders = [o for o in self.outcomes if o.case["order"]]
        right = sum(1 for o in orders
                    if o.result.requested_delivery_date == o.case.get("date"))
        return right / len(orders) if orders else 1.0

    def percentile(self, p: float) -> float:
        ordered = sorted(self.timings_ms)
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]

    @property
    def p50(self) -> float:
        return statistics.median(self.timings_ms)


def evaluate(corpus_file: str = "corpus.yaml", repeat: int = 1) -> Report:
    outcomes: list[Outcome] = []
    timings: list[float] = []
    for case in cases(corpus_file):
        result = run_case(case, corpus_file)
        for _ in range(repeat):
            started = time.perf_counter()
            run_case(case, corpus_file)
            timings.append((time.perf_counter() - started) * 1000)
        outcomes.append(judge(case, result))
    return Report(outcomes, timings)


def today_of(case: dict[str, Any]) -> date:
    return case["today"] if "today" in case else datetime.fromisoformat(str(case["now"])).date()
