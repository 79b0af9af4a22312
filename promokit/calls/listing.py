"""A provider's promotions, page by page as the caller iterates, each step under the deadline."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

from promokit.http.call_deadline import deadline
from promokit.model import Promotion
from promokit.plugins.provider import Provider


async def promotions(
    ready: Callable[[], Provider],
    *,
    status: str | None,
    search: str | None,
    product_id: str | None,
    timeout: float | None,
    detail: bool,
) -> AsyncIterator[Promotion]:
    """:meth:`Client.list` on the provider ``ready()`` gives when iteration starts."""
    instance = ready()
    exact = detail and instance.manifest.supports("get")
    bound = deadline(timeout)  # checked now, before the first page is asked for
    pages = instance.list(status=status, search=search, product_id=product_id)
    try:
        while True:
            # Entered and left around each step, never across a yield: a context
            # variable set in a generator would leak into the caller's code.
            with bound:
                try:
                    promotion = await anext(pages)
                except StopAsyncIteration:
                    return
                if exact and promotion.unknown and promotion.id is not None:
                    promotion = await instance.get(promotion.id)
            yield promotion
    finally:
        # A caller that stops early closes this generator: close the provider's too.
        close = getattr(pages, "aclose", None)
        if close is not None:
            await close()


__all__ = ["promotions"]
