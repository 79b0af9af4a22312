"""Construction check: what checking a Promotion when it is built costs the decode path.

A ``Promotion`` checks its types when built (``__post_init__``); provider mappings
build inside ``promokit.model.trusted()``, which skips the check for wire Structs
msgspec has already checked. Three variants of the real decode path (the
plugin's wire Structs + its mapping, as in ``bench_codec.py``), for one Mayar
detail, one Durianpay promo and a Durianpay page of 100, alternate in every
repeat of one process:

* ``before`` (baseline): the mappings build an identical Struct with no
  ``__post_init__`` at all, as before the check existed;
* ``shipped``: the code as it is (the check skipped inside ``trusted()``);
* ``check on every decode``: the same with the check not skipped, the cost a
  mapping that did not use ``trusted()`` would pay.

Also the cost of one construction by a caller (checked) against the same
construction with no hook. Only ratios to the baseline of the same repeat are
judged; the target is ``shipped`` within 5 % of ``before``.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import timeit
from collections.abc import Callable, Iterator
from typing import Any

import msgspec
from _common import Samples, machine_line, markdown_table, ratio_samples, say, verdict
from bench_codec import (
    durianpay_body,
    durianpay_page,
    mayar_detail_body,
    promokit_durianpay,
    promokit_mayar,
    promokit_page,
)
from promokit_durianpay import mapping as dp_mapping
from promokit_mayar import mapping as my_mapping

from promokit.model import Fixed, Promotion, promotion
from promokit.model.parts import _Neutral

TARGET = 1.05
VARIANTS = ("before", "shipped", "check on every decode")
MAPPINGS = (my_mapping, dp_mapping)


def _unchecked_twin() -> type[msgspec.Struct]:
    """A Struct with Promotion's fields and config and no ``__post_init__``."""
    fields: list[Any] = []
    for field in msgspec.structs.fields(Promotion):
        if field.default_factory is not msgspec.NODEFAULT:
            fields.append(
                (field.name, field.type, msgspec.field(default_factory=field.default_factory))
            )
        elif field.default is not msgspec.NODEFAULT:
            fields.append((field.name, field.type, field.default))
        else:
            fields.append((field.name, field.type))
    return msgspec.defstruct(
        "Promotion", fields, bases=(_Neutral,), frozen=True, kw_only=True, module=__name__
    )


TWIN = _unchecked_twin()


class _NoBlock:
    """What ``with trusted():`` costs at least: an empty context manager."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, *_: object) -> None:
        return None


@contextlib.contextmanager
def variant(name: str) -> Iterator[None]:
    """The mappings' globals set up as ``name`` needs, restored afterwards."""
    saved = [(module, module.Promotion, getattr(module, "trusted", None)) for module in MAPPINGS]
    saved_trusted = promotion.is_trusted
    try:
        if name == "before":
            for module in MAPPINGS:
                module.Promotion = TWIN  # type: ignore[attr-defined]
                if hasattr(module, "trusted"):
                    module.trusted = _NoBlock  # type: ignore[attr-defined]
        elif name == "check on every decode":
            promotion.is_trusted = lambda: False  # type: ignore[assignment]
        yield
    finally:
        for module, cls, trusted in saved:
            module.Promotion = cls  # type: ignore[attr-defined]
            if trusted is not None:
                module.trusted = trusted  # type: ignore[attr-defined]
        promotion.is_trusted = saved_trusted  # type: ignore[assignment]


def per_call(run: Callable[[], object], block: float) -> float:
    """Microseconds per call, timed in a block of about ``block`` seconds."""
    timer = timeit.Timer(run)
    number, _ = timer.autorange()
    number = max(1, int(number * block / 0.2))
    return min(timer.repeat(repeat=3, number=number)) / number * 1e6


def measure(label: str, run: Callable[[], object], repeats: int, block: float) -> None:
    samples = {name: Samples() for name in VARIANTS}
    for repeat in range(repeats):
        shift = repeat % len(VARIANTS)
        for name in VARIANTS[shift:] + VARIANTS[:shift]:
            with variant(name):
                samples[name].add(per_call(run, block))
    base = samples["before"]
    rows = []
    for name in VARIANTS:
        ratio = ratio_samples(samples[name], base)
        target = ""
        if name == "shipped":
            target = f"{verdict(ratio.median, TARGET, higher_is_better=False)} (≤ {TARGET:.2f}×)"
        rows.append([name, samples[name].spread("{:.2f}"), ratio.spread("{:.3f}"), target])
    say(f"### {label}\n")
    say(
        markdown_table(
            ["variant", "µs per decode median (min–max)", "time vs before", "target"], rows
        )
    )
    say()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--block", type=float, default=0.1, help="seconds per timing block")
    parser.add_argument("--quick", action="store_true", help="3 repeats, shorter blocks")
    args = parser.parse_args()
    repeats, block = (3, 0.03) if args.quick else (args.repeats, args.block)
    say(f"# Construction check\n\n{machine_line()}\n")
    mayar, durianpay, page = mayar_detail_body(), durianpay_body(), durianpay_page(100)
    with variant("before"):
        before = [promokit_mayar(mayar), promokit_durianpay(durianpay), *promokit_page(page)]
    after = [promokit_mayar(mayar), promokit_durianpay(durianpay), *promokit_page(page)]
    # Same fields, same values: the variants build the same promotions.
    assert [msgspec.to_builtins(p) for p in before] == [msgspec.to_builtins(p) for p in after]
    measure("Mayar detail response → 1 Promotion", lambda: promokit_mayar(mayar), repeats, block)
    measure("Durianpay promo → 1 Promotion", lambda: promokit_durianpay(durianpay), repeats, block)
    measure("Durianpay page of 100 → 100 Promotions", lambda: promokit_page(page), repeats, block)
    fields = {"name": "Diskon", "discount": Fixed(amount=5000), "code": "HARIBAIK"}
    samples = {"no hook": Samples(), "checked": Samples()}
    for _ in range(repeats):
        samples["no hook"].add(per_call(lambda: TWIN(**fields), block))
        samples["checked"].add(per_call(lambda: Promotion(**fields), block))
    say("### A caller's Promotion(...) (checked) against the same Struct with no hook\n")
    say(
        markdown_table(
            ["variant", "µs per construction median (min–max)", "time vs no hook"],
            [
                [name, s.spread("{:.2f}"), ratio_samples(s, samples["no hook"]).spread("{:.2f}")]
                for name, s in samples.items()
            ],
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
