"""Whether aioresponses can answer requests on the installed aiohttp (a skip mark if not)."""

from __future__ import annotations

import asyncio
import functools
import os
from importlib.metadata import PackageNotFoundError, version

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

    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(probe())
    except Exception as error:  # any failure means the mock cannot serve these tests
        return (
            f"aioresponses {_version('aioresponses')} cannot answer requests on aiohttp "
            f"{_version('aiohttp')} ({type(error).__name__}: {str(error)[:120]})"
        )
    finally:
        loop.close()
    return None


def _version(distribution: str) -> str:
    try:
        return version(distribution)
    except PackageNotFoundError:  # pragma: no cover - both are installed when probed
        return "?"


REQUIRE = "PROMOKIT_REQUIRE_AIORESPONSES"
"""Set (to anything) where aioresponses must work: a problem is then an error, not a skip."""


def needs_aioresponses() -> pytest.MarkDecorator:
    """A mark that skips a test, saying why and where it runs, if aioresponses cannot work."""
    problem = aioresponses_problem()
    if problem is not None and os.environ.get(REQUIRE):
        raise RuntimeError(f"{REQUIRE} is set, but {problem}")
    return pytest.mark.skipif(
        problem is not None,
        reason=f"{problem}; promokit's CI runs these in its {LEG} leg (.ci/run)",
    )


__all__ = ["LEG", "REQUIRE", "aioresponses_problem", "needs_aioresponses"]
