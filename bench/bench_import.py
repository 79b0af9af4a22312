"""Import time: what ``import promokit`` adds over aiohttp + msgspec + pluggy + tenacity.

Each repeat runs, alternating, fresh interpreters with ``-X importtime`` for
``import aiohttp, msgspec, pluggy, tenacity`` (the baseline) and for
``import promokit``; an import's time is the sum of the cumulative times of its
top-level imports (what ``-X importtime`` reports), so interpreter start-up is
excluded. What promokit adds is read two ways: the sum of the self times of the
modules that only ``import promokit`` loads (measured inside one interpreter, so
steady; this is the number held to the target), and the difference of the two
totals per repeat (a cross-check, noisier: two processes). Bytecode caches
are allowed (``PYTHONDONTWRITEBYTECODE`` is removed for the children and a
warm-up run writes them), as after ``pip install``; otherwise an editable
checkout would time the compiler, not the import. The script also
lists the modules ``import promokit`` loads beyond the baseline, and fails if
the CLI stack (click, rich), a provider plugin or sqlite3 is imported eagerly.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from collections import Counter

from _common import Samples, machine_line, markdown_table, ratio_samples, say, verdict

BASELINE = "import aiohttp, msgspec, pluggy, tenacity"
SUBJECT = "import promokit"
TARGET_MS = 50.0
LINE = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \| (\s*)(\S+)$")
MUST_BE_LAZY = ("click", "rich", "promokit.cli", "sqlite3", "_sqlite3")
PLUGIN_PREFIXES = ("promokit_",)


ENV = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}


def import_times(statement: str) -> tuple[float, dict[str, int]]:
    """Total import ms of ``statement`` in a fresh interpreter, and self µs per module."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", statement],
        capture_output=True,
        text=True,
        check=True,
        env=ENV,
    )
    total_us = 0
    own: dict[str, int] = {}
    for line in result.stderr.splitlines():
        match = LINE.match(line)
        if match is None:
            continue
        self_us, cumulative_us, indent, name = match.groups()
        own[name] = int(self_us)
        if not indent:
            total_us += int(cumulative_us)
    return total_us / 1000, own


def loaded_modules(statement: str) -> set[str]:
    """``sys.modules`` after ``statement`` in a fresh interpreter."""
    code = f"{statement}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=ENV
    ).stdout
    return set(json.loads(output.splitlines()[-1]))


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the table; returns 1 if a target was missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--quick", action="store_true", help="7 repeats")
    args = parser.parse_args(argv)
    if args.quick:
        args.repeats = 7
    # Warm the filesystem cache and the bytecode caches first.
    for statement in (BASELINE, SUBJECT):
        import_times(statement)
    times = {BASELINE: Samples(), SUBJECT: Samples()}
    own_total: Counter[str] = Counter()
    baseline_modules = loaded_modules(BASELINE)
    added_self = Samples()
    for repeat in range(args.repeats):
        order = (BASELINE, SUBJECT) if repeat % 2 == 0 else (SUBJECT, BASELINE)
        for statement in order:
            total, own = import_times(statement)
            times[statement].add(total)
            if statement == SUBJECT:
                own_total.update(own)
                added_self.add(
                    sum(us for name, us in own.items() if name not in baseline_modules) / 1000
                )
    base, subject = times[BASELINE], times[SUBJECT]
    added = Samples([s - b for s, b in zip(subject.values, base.values, strict=True)])
    extra = sorted(loaded_modules(SUBJECT) - baseline_modules)
    eager = [m for m in extra if m in MUST_BE_LAZY or m.startswith(PLUGIN_PREFIXES)]

    say("## Import time (bench/bench_import.py)")
    say()
    say(machine_line())
    say(f"{args.repeats} repeats per statement, alternating; `python -X importtime -c ...`")
    say()
    check = verdict(added_self.median, TARGET_MS, higher_is_better=False)
    say(
        markdown_table(
            ["statement", "import ms median (min–max)", "ratio vs baseline", "target"],
            [
                [f"`{BASELINE}`", base.spread(), "1.00", ""],
                [
                    f"`{SUBJECT}`",
                    subject.spread(),
                    ratio_samples(subject, base).spread("{:.2f}"),
                    "",
                ],
                [
                    "added: self time of modules only promokit loads",
                    added_self.spread(),
                    "",
                    f"{check} (≤ {TARGET_MS:g} ms)",
                ],
                ["added: difference of the totals (cross-check)", added.spread(), "", ""],
            ],
        )
    )
    say()
    heaviest = [
        (name, us / args.repeats)
        for name, us in own_total.most_common()
        if name in extra and not name.startswith("encodings")
    ][:12]
    say(
        f"Modules loaded by `{SUBJECT}` beyond the baseline: {len(extra)}. "
        "Heaviest by self time (mean over repeats): "
        + ", ".join(f"{name} {us / 1000:.1f} ms" for name, us in heaviest)
    )
    lazy_ok = not eager
    say(
        "Lazy imports: "
        + (
            "OK — no click, rich, promokit.cli, sqlite3 or provider plugin "
            "is imported by `import promokit`"
            if lazy_ok
            else f"FAIL — imported eagerly: {', '.join(eager)}"
        )
    )
    return 0 if check == "PASS" and lazy_ok else 1


if __name__ == "__main__":
    sys.exit(main())
