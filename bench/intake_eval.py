"""How well and how fast does the intake parser read buyers' messages? (no database)

    .venv/bin/python bench/intake_eval.py [--repeat 5] [--show-misses] [--corpus corpus.yaml]

Runs wholesale.intake.parser.parse() over the corpus in tests/intake/ (two catalogs, buyer
histories, expected drafts) and prints the exact-draft rate (is_order, every line's SKU and
quantity, the delivery date and the questions all as expected), line precision and recall,
date accuracy, false orders (a non-order read as an order), missed orders and the p50/p95
parse time; then the held-out sets (written after tuning; not tuned on); then the parse time
against a generated 500-SKU catalog (the corpus catalog's 65 products among 435 generated
ones), with a fresh index per message (as a request builds it) and a warm one.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.intake import evaluation  # noqa: E402
from wholesale.intake.catalog import BuyerHistory, CatalogProduct  # noqa: E402
from wholesale.intake.matching import CatalogIndex  # noqa: E402
from wholesale.intake.parser import parse  # noqa: E402

HELD_OUT = ("heldout.yaml", "heldout_b.yaml")
ADJECTIVES = ("organic", "frozen", "smoked", "dried", "baby", "red", "green", "white",
              "sweet", "spicy", "wild", "roasted", "pickled", "aged", "fresh", "iqf")
NOUNS = ("kale", "spinach", "leek", "fennel", "beet", "radish", "turnip", "squash", "pumpkin",
         "plum", "pear", "apple", "grape", "cherry", "apricot", "fig", "date", "walnut",
         "almond", "pecan", "cashew", "lentil", "quinoa", "barley", "oat", "rye", "semolina",
         "cod", "halibut", "tuna", "trout", "clam", "oyster", "scallop", "duck", "lamb",
         "veal", "turkey", "chorizo", "salami", "brie", "gouda", "feta", "gruyere", "tofu",
         "tempeh", "seitan", "vinegar", "mustard", "ketchup", "mayo", "relish", "honey",
         "jam", "syrup", "cocoa", "vanilla", "cinnamon", "paprika", "cumin", "oregano")
PACKS = ("5 lb", "10 lb", "25 lb", "1 kg", "2 kg", "12 ct", "24 ct", "1 gal", "6x1 L")
UNITS = (("case", 12), ("case", 24), ("bag", 1), ("each", 1), ("box", 6), ("kg", 1))


def big_catalog(base: list[CatalogProduct], size: int = 500) -> list[CatalogProduct]:
    rng = random.Random(500)
    products = list(base)
    seen = {p.name for p in products}
    next_id = 10_000
    while len(products) < size:
        name = (f"{rng.choice(ADJECTIVES).title()} {rng.choice(NOUNS)} "
                f"{rng.choice(NOUNS)}, {rng.choice(PACKS)}")
        if name in seen:
            continue
        seen.add(name)
        unit, case_size = rng.choice(UNITS)
        next_id += 1
        products.append(CatalogProduct(next_id, f"GEN-{next_id}", name, unit, case_size))
    return products


def p(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def print_report(title: str, report: evaluation.Report, show_misses: bool) -> None:
    n = len(report.outcomes)
    exact = sum(o.exact for o in report.outcomes)
    print(f"\n{title}: {n} messages")
    print(f"  exact drafts      {exact}/{n} = {report.exact_rate:.1%}")
    print(f"  line precision    {report.line_precision:.1%}")
    print(f"  line recall       {report.line_recall:.1%}")
    print(f"  date accuracy     {report.date_accuracy:.1%}")
    print(f"  false orders      {report.false_orders}")
    print(f"  missed orders     {report.missed_orders}")
    print(f"  parse time        p50 {report.p50:.2f} ms, p95 {report.percentile(95):.2f} ms")
    if show_misses:
        for o in report.outcomes:
            if not o.exact:
                print(f"    {o.case['id']}: {'; '.join(o.problems)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="timed parses per message")
    parser.add_argument("--show-misses", action="store_true")
    parser.add_argument("--corpus", default="corpus.yaml")
    args = parser.parse_args()

    print_report(f"corpus ({args.corpus})", evaluation.evaluate(args.corpus, args.repeat),
                 args.show_misses)
    for held_out in HELD_OUT:
        print_report(f"held out ({held_out})", evaluation.evaluate(held_out, args.repeat),
                     args.show_misses)

    shops = evaluation.shops(args.corpus)
    golden_gate = shops["golden_gate"]
    products = big_catalog(golden_gate.products)
    started = time.perf_counter()
    index = CatalogIndex(products)
    built_ms = (time.perf_counter() - started) * 1000
    cold: list[float] = []  # a fresh index per message, as a request builds it
    warm: list[float] = []  # the same index again (its word-similarity cache filled)
    for case in evaluation.cases(args.corpus):
        if case["catalog"] != "golden_gate":
            continue
        history = golden_gate.histories.get(case.get("buyer", ""), BuyerHistory())
        now = evaluation.moment(case, golden_gate.rules)
        for _ in range(args.repeat):
            index = CatalogIndex(products)
            for timings in (cold, warm):
                t = time.perf_counter()
                parse(case["text"], index, history, None, now=now, rules=golden_gate.rules)
                timings.append((time.perf_counter() - t) * 1000)
    print(f"\n500-SKU catalog ({len(products)} products; index built in {built_ms:.1f} ms)")
    for label, timings in (("cold index", cold), ("warm index", warm)):
        print(f"  parse, {label}  p50 {p(timings, 50):.2f} ms, p95 {p(timings, 95):.2f} ms, "
              f"max {max(timings):.2f} ms")
    print("  (the 50 ms budget is for p95 per message; a request also builds the index)")


if __name__ == "__main__":
    main()
