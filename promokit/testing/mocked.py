"""Whether aioresponses can answer requests on the installed aiohttp (a skip mark if not)."""

from __future__ import annotations

import asyncio
import functools
import gc
import os
import sys
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import pytest

LEG = "aiohttp-3.13"
"""The ``.ci/run`` leg where promokit runs its aioresponses tests (aiohttp 3.13)."""


@functools.cache
def aioresponses_problem() -> str | None:
    """Why aioresponses cannot answer a request here, or ``None`` when it can.

    aioresponses builds aiohttp's ``ClientResponse`` itself, so each aiohttp
    release can break it (0.7.9 fails on aiohttp 3.14: ``stream_writer``). One
    mocked request, run once on a private loop, tells.
    """
    try:
        import aiohttp
        from aioresponses import aioresponses
    except ImportError as missing:
        return f"aioresponses is not installed ({missing})"

    async def probe() -> None:
        with aioresponses() as mock:
            mock.get("http://probe.invalid/", body=b"ok")
            async with (
                aiohttp.ClientSession() as session,
                session.get("http://probe.invalid/") as response,
            ):
                await response.read()

    # Some pairings answer but leave a broken object behind, reported only when it is
    # collected (an error under filterwarnings = error): watch for that too.
    leftovers: list[str] = []
    previous = sys.unraisablehook

    def note(unraisable: Any) -> None:
        leftovers.append(f"{type(unraisable.exc_value).__name__}: {unraisable.exc_value}")

    loop = asyncio.new_event_loop()
    sys.unraisablehook = note
    try:
        loop.run_until_complete(probe())
        loop.close()
        gc.collect()
    except Exception as error:  # any failure means the mock cannot serve these tests
        leftovers.insert(0, f"{type(error).__name__}: {error}")
    finally:
        sys.unraisablehook = previous
        if not loop.is_closed():
            loop.close()
    if leftovers:
        return (
            f"aioresponses {_version('aioresponses')} cannot answer requests cleanly on "
            f"aiohttp {_version('aiohttp')} ({leftovers[0][:120]})"
        )
    return None


def _version(distribution: str) -> str:
    try:
        return version(distribution)
    except PackageNotFoundError:  # pragma: no cover - both are installed when probed
        return "?"


REQUIRE = "PROMOKIT_REQUIRE_AIORESPONSES"
"""Set (to anything) where aioresponses must work: a problem is then an error, not a skip."""


SKIP = "PROMOKIT_SKIP_AIORESPONSES"
"""Set to a reason to skip these tests where the probe passes but they cannot run."""


def needs_aioresponses() -> pytest.MarkDecorator:
    """A mark that skips a test, saying why and where it runs, if aioresponses cannot work."""
    problem = os.environ.get(SKIP) or aioresponses_problem()
    if problem is not None and os.environ.get(REQUIRE):
        raise RuntimeError(f"{REQUIRE} is set, but {problem}")
    return pytest.mark.skipif(
        problem is not None,
        reason=f"{problem}; promokit's CI runs these in its {LEG} leg (.ci/run)",
    )


__all__ = ["LEG", "REQUIRE", "SKIP", "aioresponses_problem", "needs_aioresponses"]
