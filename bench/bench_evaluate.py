"""Evaluator: evaluate() calls per second on one core, and best_offer() across N promotions.

The mix is built deterministically (seeded) to look like a merchant's book:
percent and fixed discounts, caps, minimum purchases, quotas and budgets,
customer scopes, product lists, card / e-wallet / virtual-account scopes,
order / items / shipping promotions, and some inactive, scheduled or expired
ones; checkouts vary amount, customer type, product and payment method. About
half of the pairs are refused, at every rule. The baseline of this script is
``evaluate`` itself: ``best_offer`` is reported per promotion scanned against
the cost of one ``evaluate`` call measured in the same repeat.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from _common import Samples, machine_line, markdown_table, pin_self, ratio_samples, say, verdict

from promokit.model import (
    Budget,
    CardScope,
    Checkout,
    EwalletScope,
    Fixed,
    PaymentMethod,
    Percent,
    Promotion,
    Quota,
    VirtualAccountScope,
)
from promokit.model.evaluate import best_offer, evaluate

NOW = datetime(2030, 6, 1, 12, tzinfo=UTC)
TARGET_PER_SECOND = 200_000
WALLETS = ("OVO", "DANA", "GOPAY", "SHOPEEPAY")
BANKS = ("BCA", "BNI", "BRI", "MANDIRI")


def promotions(count: int, rng: random.Random) -> list[Promotion]:
    """``count`` varied promotions."""
    made = []
    for index in range(count):
        roll = rng.random()
        discount: Percent | Fixed = (
            Percent(
                value=Decimal(rng.choice(("5", "10", "12.5", "15", "20", "50"))),
                max_amount=rng.choice((None, 25_000, 50_000, 100_000)),
            )
            if roll < 0.6
            else Fixed(amount=rng.choice((5_000, 10_000, 25_000, 50_000)))
        )
        scope = rng.random()
        payment: CardScope | EwalletScope | VirtualAccountScope | None = None
        if scope < 0.08:
            payment = CardScope(bins=("424242", "411111"), banks=(rng.choice(BANKS),))
        elif scope < 0.16:
            payment = EwalletScope(wallets=tuple(rng.sample(WALLETS, 3)))
        elif scope < 0.2:
            payment = VirtualAccountScope(banks=tuple(rng.sample(BANKS, 2)))
        limit: Quota | Budget | None = rng.choice(
            (None, None, Quota(uses=1_000), Budget(amount=10_000_000))
        )
        start = NOW + timedelta(days=rng.choice((-30,) * 8 + (-1, 2)))
        made.append(
            Promotion(
                name=f"promo {index}",
                discount=discount,
                min_purchase=rng.choice((None, None, None, 50_000, 100_000, 500_000)),
                limit=limit,
                starts_at=start,
                ends_at=start + timedelta(days=rng.choice((7, 60, 60, 365, 365))),
                customers=rng.choice(("all",) * 6 + ("new", "returning")),
                products=rng.choice(((),) * 6 + (("p1", "p2"), ("p3",))),
                payment=payment,
                applies_to=rng.choice(("order", "order", "order", "items", "shipping")),
                status=rng.choice(("active",) * 18 + ("inactive", None)),
            )
        )
    return made


def checkouts(count: int, rng: random.Random) -> list[Checkout]:
    """``count`` varied checkouts."""
    made = []
    for _ in range(count):
        method: PaymentMethod | None = rng.choice(("card", "ewallet", "virtual_account", None))
        amount = rng.choice((80_000, 120_000, 300_000, 1_200_000))
        made.append(
            Checkout(
                amount=amount,
                product_id=rng.choice(("p1", "p2", "p3", "p4", None)),
                customer_type=rng.choice(("new", "returning", None)),
                payment_method=method,
                card_bin=rng.choice(("424242", "550000")) if method == "card" else None,
                bank=rng.choice(BANKS) if method in ("card", "virtual_account") else None,
                wallet=rng.choice(WALLETS) if method == "ewallet" else None,
                items_amount=amount - 15_000 if amount > 15_000 else None,
                shipping_amount=rng.choice((None, 15_000)),
            )
        )
    return made


def evaluations_per_second(pairs: list[tuple[Promotion, Checkout]], rounds: int) -> float:
    """Calls per CPU second over ``rounds`` passes of ``pairs``."""
    started = time.process_time()
    for _ in range(rounds):
        for promotion, checkout in pairs:
            evaluate(promotion, checkout, now=NOW, used=3, given=40_000)
    return rounds * len(pairs) / (time.process_time() - started)


def best_offer_us(book: list[Promotion], carts: list[Checkout], rounds: int) -> float:
    """CPU µs per best_offer call over ``book``."""
    started = time.process_time()
    for _ in range(rounds):
        for checkout in carts:
            best_offer(book, checkout, now=NOW)
    return (time.process_time() - started) / (rounds * len(carts)) * 1e6


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the tables; returns 1 if a target was missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="3 repeats")
    args = parser.parse_args(argv)
    if args.quick:
        args.repeats = 3
    rng = random.Random(8)
    book = promotions(400, rng)
    carts = checkouts(250, rng)
    pairs = [(rng.choice(book), rng.choice(carts)) for _ in range(20_000)]
    outcomes = Counter(
        str(evaluate(p, c, now=NOW, used=3, given=40_000).reason or "valid") for p, c in pairs
    )
    valid = [(p, c) for p, c in pairs if evaluate(p, c, now=NOW, used=3, given=40_000).valid][
        :10_000
    ]
    pin_self(0)
    say("## Evaluator (bench/bench_evaluate.py)")
    say()
    say(machine_line())
    say(
        f"{args.repeats} repeats; mix of {len(pairs):,} (promotion, checkout) pairs from "
        f"{len(book)} promotions and {len(carts)} checkouts; outcomes: "
        + ", ".join(f"{name} {count / len(pairs):.0%}" for name, count in outcomes.most_common())
    )
    sizes = (10, 100, 400)
    rate = Samples()
    rate_valid = Samples()
    offers = {size: Samples() for size in sizes}
    per_eval = Samples()
    for _ in range(args.repeats):
        one = evaluations_per_second(pairs, 5)
        rate.add(one)
        per_eval.add(1e6 / one)
        rate_valid.add(evaluations_per_second(valid, 5))
        for size in sizes:
            offers[size].add(best_offer_us(book[:size], carts[:100], max(1, 400 // size)))
    say()
    check = verdict(rate.median, TARGET_PER_SECOND, higher_is_better=True)
    rows = [
        [
            "evaluate()",
            f"{rate.median:,.0f} ({min(rate.values):,.0f}–{max(rate.values):,.0f})",
            per_eval.spread("{:.2f}"),
            "1.00",
            f"{check} (≥ {TARGET_PER_SECOND:,}/s)",
        ],
        [
            "evaluate(), valid pairs only (full path)",
            f"{rate_valid.median:,.0f} ({min(rate_valid.values):,.0f}–"
            f"{max(rate_valid.values):,.0f})",
            Samples([1e6 / value for value in rate_valid.values]).spread("{:.2f}"),
            ratio_samples(Samples([1e6 / v for v in rate_valid.values]), per_eval).spread("{:.2f}"),
            "",
        ],
    ]
    for size in sizes:
        per_promotion = Samples([value / size for value in offers[size].values])
        rows.append(
            [
                f"best_offer() over {size}",
                f"{1e6 / offers[size].median:,.0f} calls/s",
                offers[size].spread("{:.1f}") + f" ({per_promotion.median:.2f} per promotion)",
                ratio_samples(per_promotion, per_eval).spread("{:.2f}") + " per promotion",
                "",
            ]
        )
    say(
        markdown_table(
            [
                "operation",
                "per CPU second median (min–max)",
                "CPU µs per call",
                "vs evaluate()",
                "target",
            ],
            rows,
        )
    )
    return 0 if check == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
