"""How much code one call runs: lines and cyclomatic complexity of the functions on its path.

A measure of the request path's simplicity, not of its speed. Each call of
``bench_client.py`` (``client.get`` and ``client.validate`` on both providers) runs
against the canned stub, warmed up, then once more with a profile hook that
records every function it enters. Summed over those functions: source lines (no
blank, comment or docstring lines) and cyclomatic complexity (radon's: 1 + one per
branch), for the request machinery (``promokit/client.py``, ``promokit/calls/`` and
``promokit/http/`` but its codec), for all of ``promokit/`` (codec and model included) and for the
provider plugin. Comprehensions and lambdas count within the function that holds them.
Needs radon (bench extra); without it the script says so and exits 0.
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import sys
import tempfile
from collections.abc import Iterator
from contextlib import AsyncExitStack
from pathlib import Path
from types import CodeType, FrameType
from typing import Any

from _common import markdown_table, optional, say

ROOT = Path(__file__).resolve().parent.parent
PLUGINS = {"mayar": ROOT / "plugins/mayar", "durianpay": ROOT / "plugins/durianpay"}


async def entered(variant: str, url: str) -> set[CodeType]:
    """The code objects one warmed-up call of ``variant`` enters."""
    import bench_client

    seen: set[CodeType] = set()

    def hook(frame: FrameType, event: str, arg: Any) -> None:
        if event == "call":
            seen.add(frame.f_code)

    async with AsyncExitStack() as stack:
        call = await bench_client.make_call(variant, url, stack)
        for _ in range(20):
            await call()
        sys.setprofile(hook)
        try:
            await call()
        finally:
            sys.setprofile(None)
    return seen


def blocks(path: Path) -> Iterator[Any]:
    """radon's functions and methods of the module at ``path`` (classes left out)."""
    from radon.complexity import cc_visit
    from radon.visitors import Function

    for block in cc_visit(path.read_text()):
        if isinstance(block, Function):
            yield block


def source_lines(path: Path) -> dict[int, int]:
    """Per function (by its ``def`` line): lines that are not blank, comment or docstring."""
    tree = ast.parse(path.read_text())
    text = path.read_text().splitlines()
    counts: dict[int, int] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            skip: set[int] = set()
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                skip = set(range(first.lineno, (first.end_lineno or first.lineno) + 1))
            counts[node.lineno] = sum(
                1
                for number in range(node.lineno, (node.end_lineno or node.lineno) + 1)
                if number not in skip
                and text[number - 1].strip()
                and not text[number - 1].strip().startswith("#")
            )
    return counts


def machinery(path: Path) -> bool:
    """The request machinery: the client facade, its calls/ layer (where it exists) and
    promokit/http/ but its codec."""
    if path == ROOT / "promokit/client.py" or ROOT / "promokit/calls" in path.parents:
        return True
    return ROOT / "promokit/http" in path.parents and path.name != "codec.py"


def measure(codes: set[CodeType], under: Path, only: Any = None) -> tuple[int, int, int]:
    """Functions, lines and complexity of the functions in ``codes`` defined under ``under``
    (and for which ``only(path)`` holds, if given)."""
    files: dict[Path, list[CodeType]] = {}
    for code in codes:
        path = Path(code.co_filename).resolve()
        if under in path.parents and (only is None or only(path)):
            files.setdefault(path, []).append(code)
    count = lines = complexity = 0
    for path, inside in files.items():
        sizes = source_lines(path)
        for block in blocks(path):
            # co_firstlineno is the first decorator's line; radon's lineno the def's.
            if any(
                code.co_name == block.name
                and block.lineno - 4 <= code.co_firstlineno <= block.lineno
                for code in inside
            ):
                count += 1
                lines += sizes.get(block.lineno, 0)
                complexity += block.complexity
    return count, lines, complexity


def main(argv: list[str] | None = None) -> int:
    """Print one row per call: functions, lines and complexity, core and plugin."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="the same (it is quick already)")
    parser.parse_args(argv)
    import bench_client

    say("## Code on the request path (bench/request_path.py)")
    say()
    if not optional("radon"):
        say("skipped: radon is not installed (pip install -e '.[bench]')")
        return 0
    rows = []
    with tempfile.TemporaryDirectory() as directory:
        stub, url = bench_client.start_stub(Path(directory), 600, None)
        try:
            for provider in bench_client.PROVIDERS:
                for operation in bench_client.OPERATIONS:
                    variant = bench_client.variant_name(provider, operation, "promokit")
                    codes = asyncio.run(entered(variant, url))
                    parts = (
                        measure(codes, ROOT / "promokit", machinery),
                        measure(codes, ROOT / "promokit"),
                        measure(codes, PLUGINS[provider]),
                    )
                    rows.append(
                        [provider, operation]
                        + [
                            f"{lines} / {complexity} ({count})"
                            for count, lines, complexity in parts
                        ]
                    )
        finally:
            stub.terminate()
            stub.wait(timeout=10)
    headers = ["provider", "call", "request machinery", "all of promokit/", "plugin"]
    say(markdown_table(headers, rows))
    say()
    say(
        "lines / complexity (functions): the lines of each function entered (no blank, "
        "comment or docstring lines) and radon's cyclomatic complexity, summed. Request "
        "machinery = promokit/client.py, promokit/calls/ and promokit/http/ without its codec."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
