"""Run every benchmark, one fresh process each, and print one Markdown report.

``python bench/run_all.py`` takes a few minutes on a 2-core machine;
``--quick`` runs each script in its quick mode (about a minute, for a smoke
test; too few repeats to quote). ``--output FILE`` also writes the report.
The exit status is 1 if any script reported a missed target.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from _common import progress

HERE = Path(__file__).resolve().parent
SCRIPTS = (
    "bench_import.py",
    "bench_codec.py",
    "bench_evaluate.py",
    "bench_bulk.py",
    "bench_diff.py",
    "bench_client.py",
)


def main(argv: list[str] | None = None) -> int:
    """Run the scripts in order and print (and optionally save) their reports."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="each script's quick mode")
    parser.add_argument("--output", type=Path, help="also write the report to this file")
    parser.add_argument("--only", nargs="+", choices=SCRIPTS, help="run only these scripts")
    args = parser.parse_args(argv)
    reports: list[str] = []
    missed: list[str] = []
    for script in args.only or SCRIPTS:
        command = [sys.executable, str(HERE / script)] + (["--quick"] if args.quick else [])
        progress(f"running {' '.join(command[1:])} ...")
        started = time.monotonic()
        result = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=False)
        progress(f"  done in {time.monotonic() - started:.0f} s (exit {result.returncode})")
        reports.append(result.stdout.rstrip())
        if result.returncode != 0:
            missed.append(script)
    report = "\n\n".join(reports) + "\n"
    if missed:
        report += f"\nScripts reporting a missed target: {', '.join(missed)}\n"
    print(report, end="")
    if args.output is not None:
        args.output.write_text(report, encoding="utf-8")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
