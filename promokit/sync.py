"""SyncClient: the Client's operations, blocking, for threaded sync code (Django, Flask)."""

from __future__ import annotations

import asyncio
import threading
import weakref
from collections.abc import AsyncIterator, Coroutine, Iterable, Iterator, Sequence
from concurrent.futures import Future
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

from promokit.client import BulkResult, Client
from promokit.config import Config, FromConfig
from promokit.errors import ConfigurationError
from promokit.ledger.pacing import WaitCallback
from promokit.ledger.writes import ProgressCallback
from promokit.model import Checkout, Promotion, Usage, Validation
from promokit.model.capabilities import Plan, Policy
from promokit.plugins.provider import Provider

if TYPE_CHECKING:
    from promokit.workflows.apply import ApplyProgress, ApplyReport
    from promokit.workflows.diff import Diff

T = TypeVar("T")


class SyncClient(FromConfig):
    """A blocking :class:`Client`, safe to share across the threads of a web app.

    One event loop runs on a background thread for the client's whole life; every
    call is handed to it and waited for, so the HTTP session, rate limits and
    ledger are shared by all threads (``asyncio.run`` per request would open a
    session per loop and fail on the second request). Build it once at start-up::

        client = promokit.SyncClient.from_config("promokit.toml")
        created = client.create(promotion)  # from any thread

    It is closed by :meth:`close`, by leaving a ``with`` block, or at interpreter
    exit (without "unclosed session" warnings). Operations take the same
    arguments as :class:`Client`'s; :meth:`list` returns an iterator that fetches
    page by page as it is consumed.
    """

    def __init__(self, config: Config, **options: Any) -> None:
        """``options`` are :class:`Client`'s (``plugins``, ``session``, ``ledger``, ...)."""
        super().__init__(config)
        # The client first: options it refuses must not leave an event loop unclosed.
        self._client = Client(config, **options)
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, name="promokit-sync", daemon=True)
        self._loop = loop
        self._thread = thread
        self._lock = threading.Lock()
        self._closed = False
        thread.start()
        # At exit (or when garbage collected) the client is closed on its loop; the
        # finalizer holds no reference to self, so it never keeps the client alive.
        self._finalizer = weakref.finalize(self, _shutdown, self._client, loop, thread)

    def __repr__(self) -> str:
        return f"Sync{self._client!r}"

    @property
    def client(self) -> Client:
        """The async :class:`Client` underneath (use it only on the client's loop)."""
        return self._client

    # -- lifecycle -------------------------------------------------------------

    def close(self) -> None:
        """Close the HTTP session and the ledger, then stop the loop; idempotent."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        if threading.current_thread() is self._thread:
            raise ConfigurationError("SyncClient.close() was called from its own event loop")
        self._finalizer()

    def __enter__(self) -> SyncClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        if threading.current_thread() is self._thread:
            coroutine.close()
            raise ConfigurationError(
                "a SyncClient method was called from its own event loop (a callback); "
                "use the async Client there"
            )
        with self._lock:
            if self._closed:
                coroutine.close()
                raise ConfigurationError("this promokit SyncClient is closed; open a new one")
            future: Future[T] = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        try:
            return future.result()
        except BaseException:
            # Interrupted (KeyboardInterrupt) while waiting: stop the call too.
            future.cancel()
            raise

    # -- operations ------------------------------------------------------------

    def provider(self, alias: str | None = None) -> Provider:
        """:meth:`Client.provider` (no I/O): for its manifest and settings; its async
        methods belong to the client's own loop."""
        return self._client.provider(alias)

    def target(self, provider: str | None = None) -> str:
        """:meth:`Client.target`, blocking (it opens the ledger)."""
        return self._run(self._client.target(provider))

    def plan(
        self,
        promotion: Promotion,
        provider: str | None = None,
        *,
        policy: Policy = "strict",
        allow_unknown: bool = False,
    ) -> Plan:
        """:meth:`Client.plan` (no I/O)."""
        return self._client.plan(promotion, provider, policy=policy, allow_unknown=allow_unknown)

    def create(
        self,
        promotion: Promotion,
        provider: str | None = None,
        *,
        policy: Policy = "strict",
        idempotency_key: str | None = None,
        timeout: float | None = None,
        allow_unknown: bool = False,
        allow_ended: bool = False,
    ) -> Promotion:
        """:meth:`Client.create`, blocking."""
        return self._run(
            self._client.create(
                promotion,
                provider,
                policy=policy,
                idempotency_key=idempotency_key,
                timeout=timeout,
                allow_unknown=allow_unknown,
                allow_ended=allow_ended,
            )
        )

    def forget(
        self, idempotency_key: str, provider: str | None = None, *, timeout: float | None = None
    ) -> bool:
        """:meth:`Client.forget`, blocking."""
        return self._run(self._client.forget(idempotency_key, provider, timeout=timeout))

    def reconcile(
        self,
        idempotency_key: str,
        provider: str | None = None,
        *,
        found_id: str | None = None,
        timeout: float | None = None,
    ) -> Promotion | None:
        """:meth:`Client.reconcile`, blocking."""
        return self._run(
            self._client.reconcile(idempotency_key, provider, found_id=found_id, timeout=timeout)
        )

    def create_bulk(
        self,
        promotion: Promotion,
        count: int,
        provider: str | None = None,
        *,
        idempotency_key: str | None = None,
        on_progress: ProgressCallback | None = None,
        on_wait: WaitCallback | None = None,
        concurrency: int = 4,
        timeout: float | None = None,
    ) -> BulkResult:
        """:meth:`Client.create_bulk`, blocking (``on_progress`` and ``on_wait`` run on
        the loop's thread)."""
        return self._run(
            self._client.create_bulk(
                promotion,
                count,
                provider,
                idempotency_key=idempotency_key,
                on_progress=on_progress,
                on_wait=on_wait,
                concurrency=concurrency,
                timeout=timeout,
            )
        )

    def register_code(
        self,
        code: str,
        promotion_id: str,
        provider: str | None = None,
        *,
        timeout: float | None = None,
    ) -> Promotion:
        """:meth:`Client.register_code`, blocking."""
        return self._run(self._client.register_code(code, promotion_id, provider, timeout=timeout))

    def register_codes(
        self,
        pairs: Iterable[tuple[str, str]],
        provider: str | None = None,
        *,
        timeout: float | None = None,
    ) -> list[Promotion]:
        """:meth:`Client.register_codes`, blocking."""
        return self._run(self._client.register_codes(pairs, provider, timeout=timeout))

    def get(
        self, promotion_id: str, provider: str | None = None, *, timeout: float | None = None
    ) -> Promotion:
        """:meth:`Client.get`, blocking."""
        return self._run(self._client.get(promotion_id, provider, timeout=timeout))

    def list(
        self,
        provider: str | None = None,
        *,
        status: str | None = None,
        search: str | None = None,
        product_id: str | None = None,
        timeout: float | None = None,
        detail: bool = False,
    ) -> Iterator[Promotion]:
        """:meth:`Client.list`, as an iterator fetching page by page as it is consumed."""
        pages = self._client.list(
            provider,
            status=status,
            search=search,
            product_id=product_id,
            timeout=timeout,
            detail=detail,
        )
        try:
            while True:
                try:
                    item = self._run(_next(pages))
                except StopAsyncIteration:
                    return
                yield item
        finally:
            if not self._closed:
                self._run(pages.aclose())  # type: ignore[attr-defined]

    def validate(
        self,
        code: str,
        checkout: Checkout,
        provider: str | None = None,
        *,
        timeout: float | None = None,
    ) -> Validation:
        """:meth:`Client.validate`, blocking."""
        return self._run(self._client.validate(code, checkout, provider, timeout=timeout))

    def usage(
        self, code: str, provider: str | None = None, *, timeout: float | None = None
    ) -> Usage:
        """:meth:`Client.usage`, blocking."""
        return self._run(self._client.usage(code, provider, timeout=timeout))

    def update(
        self,
        promotion_id: str,
        promotion: Promotion,
        provider: str | None = None,
        *,
        policy: Policy = "strict",
        timeout: float | None = None,
        allow_unknown: bool = False,
    ) -> Promotion:
        """:meth:`Client.update`, blocking."""
        return self._run(
            self._client.update(
                promotion_id,
                promotion,
                provider,
                policy=policy,
                timeout=timeout,
                allow_unknown=allow_unknown,
            )
        )

    def diff(
        self,
        promotions: Sequence[Promotion],
        provider: str | Sequence[str] | None = None,
        *,
        timeout: float | None = None,
    ) -> Diff:
        """:meth:`Client.diff`, blocking."""
        return self._run(self._client.diff(promotions, provider, timeout=timeout))

    def apply(
        self,
        diff: Diff,
        *,
        prune: bool = False,
        force: bool = False,
        on_progress: ApplyProgress | None = None,
        timeout: float | None = None,
    ) -> ApplyReport:
        """:meth:`Client.apply`, blocking (``on_progress`` runs on the loop's thread)."""
        return self._run(
            self._client.apply(
                diff, prune=prune, force=force, on_progress=on_progress, timeout=timeout
            )
        )

    def delete(
        self, promotion_id: str, provider: str | None = None, *, timeout: float | None = None
    ) -> None:
        """:meth:`Client.delete`, blocking."""
        self._run(self._client.delete(promotion_id, provider, timeout=timeout))


async def _next(pages: AsyncIterator[T]) -> T:
    return await anext(pages)


def _shutdown(client: Client, loop: asyncio.AbstractEventLoop, thread: threading.Thread) -> None:
    """Close ``client`` on its loop, stop the loop and its thread, close the loop."""
    if loop.is_closed():
        return
    if thread.is_alive():
        try:
            asyncio.run_coroutine_threadsafe(client.aclose(), loop).result(timeout=30)
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=30)
    if not loop.is_running():
        loop.close()


__all__ = ["SyncClient"]
