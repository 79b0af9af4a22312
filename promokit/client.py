"""Client: the public facade that routes neutral operations to configured providers."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterable, Sequence
from types import TracebackType
from typing import TYPE_CHECKING

import aiohttp
import msgspec

from promokit.calls import inputs
from promokit.calls.listing import promotions
from promokit.calls.wiring import Wiring
from promokit.config import Config, FromConfig
from promokit.errors import ConfigurationError
from promokit.http.call_deadline import deadline
from promokit.http.limits import Clock, Sleep
from promokit.ledger import Ledger
from promokit.ledger.pacing import WaitCallback
from promokit.ledger.writes import ExactlyOnce, ProgressCallback
from promokit.model import Checkout, Promotion, Usage, Validation
from promokit.model.capabilities import Plan, Policy, plan, require_operation
from promokit.plugins import Plugins
from promokit.plugins.provider import Provider
from promokit.workflows.bulk import MAX_BULK, BulkResult, check_count, create_bulk

if TYPE_CHECKING:
    from promokit.workflows.apply import ApplyProgress, ApplyReport
    from promokit.workflows.diff import Diff


class Client(FromConfig):
    """Create, read, validate, list, update and remove promotions on any provider.

    Use it as an async context manager; it owns one HTTP session and closes it::

        async with promokit.Client.from_config("promokit.toml") as client:
            created = await client.create(promotion, provider="shop")

    ``provider=`` names an alias from the config; omit it for the default alias.
    """

    def __init__(
        self,
        config: Config,
        *,
        plugins: Plugins | None = None,
        session: aiohttp.ClientSession | None = None,
        sleep: Sleep = asyncio.sleep,
        clock: Clock = time.monotonic,
        ledger: Ledger | None = None,
    ) -> None:
        super().__init__(config)
        self._wiring = Wiring(
            plugins=plugins,
            session=session,
            sleep=sleep,
            clock=clock,
            ledger=ledger,
            ledger_path=config.ledger_path,
            source=config.source,
            lookup=self.provider,
        )
        self._checked: dict[tuple[str | None, str], Provider] = {}

    def __repr__(self) -> str:
        aliases = ", ".join(sorted(self.config.providers))
        return f"Client(providers=[{aliases}], default={self.config.default!r})"

    async def __aenter__(self) -> Client:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the HTTP session (if the client created it) and the ledger; idempotent."""
        # Forgotten first: _ready() then takes its slow path, which refuses a closed client.
        self._checked.clear()
        await self._wiring.aclose()

    @property
    def plugins(self) -> Plugins:
        """The plugin set providers are looked up in."""
        return self._wiring.plugins

    @property
    def ledger(self) -> Ledger:
        """The write ledger: the one passed in, else ``config.ledger_path``.

        A dict config that names no ledger gets one in memory for reads and code
        look-ups, but creates on a gateway refuse with it (see :meth:`create`).
        """
        return self._wiring.ledger

    @property
    def writes(self) -> ExactlyOnce:
        """The exactly-once create machinery bound to :attr:`ledger`."""
        return self._wiring.writes

    async def target(self, provider: str | None = None) -> str:
        """The gateway account ``provider``'s writes belong to in the ledger.

        ``plugin base-url environment account``, the account being a keyed fingerprint
        of the API key (see :mod:`promokit.ledger.targets`). Opens the ledger.
        """
        return await self._wiring.target(self.provider(provider))

    async def forget(
        self, idempotency_key: str, provider: str | None = None, *, timeout: float | None = None
    ) -> bool:
        """Drop the ledger's record of a write (see :class:`StaleRecord`); nothing is sent.

        Returns whether a record was dropped. A write another worker holds is kept.
        The next create with that key is sent as new.
        """
        with deadline(timeout):
            target = await self.target(provider)
            return await self.ledger.forget(idempotency_key, target=target)

    # -- providers ------------------------------------------------------------

    def provider(self, alias: str | None = None) -> Provider:
        """The provider instance for ``alias`` (built on first use, no I/O)."""
        if self._wiring.transport.closed:
            raise ConfigurationError("this promokit client is closed; open a new one")
        return self._wiring.provider(self.config.settings(alias))

    def _ready(self, alias: str | None, operation: str) -> Provider:
        # Every call passes here: a checked (alias, operation) is one dict lookup.
        provider = self._checked.get((alias, operation))
        if provider is None:
            provider = self.provider(alias)
            require_operation(
                provider.manifest, operation, provider=provider.alias, plugin=provider.plugin_name
            )
            self._checked[alias, operation] = provider
        return provider

    # -- operations -----------------------------------------------------------

    def plan(
        self,
        promotion: Promotion,
        provider: str | None = None,
        *,
        policy: Policy = "strict",
        allow_unknown: bool = False,
    ) -> Plan:
        """What ``provider`` would do with every field of ``promotion``; no I/O.

        Fields in ``promotion.unknown`` are problems unless ``allow_unknown``.
        """
        instance = self.provider(provider)
        return plan(
            promotion,
            instance.manifest,
            provider=instance.alias,
            plugin=instance.plugin_name,
            policy=policy,
            extra_problems=instance.plan_problems(promotion),
            allow_unknown=allow_unknown,
        )

    async def create(
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
        """Create ``promotion`` exactly once; every problem is reported before any request.

        An ``ends_at`` already in the past is refused (:class:`InvalidPromotion` naming
        it, nothing sent: a gateway such as Mayar cannot delete what it created)
        unless ``allow_ended`` (``migrate(include_expired=True)`` copies ended ones).

        A promotion read back with fields its source did not report
        (``promotion.unknown``) raises :class:`UnknownFields` unless
        ``allow_unknown`` sends their placeholder values.

        The write is recorded in the ledger under ``idempotency_key`` (default: derived
        from the promotion's fingerprint and the alias), so calling again with the same
        key returns the recorded promotion without a request. When the outcome of a
        send is unknown, the promotion is looked up by its natural key instead of
        being resent; the result then has ``reconciled=True``. ``timeout`` bounds the
        whole call, that lookup included (see :func:`promokit.deadline`).

        Records belong to the alias's target (plugin, base URL, environment, account):
        a key done for that target answers with the recorded promotion and
        ``already_created=True``, after a read by id shows the gateway still has it
        (:class:`StaleRecord` if not). A key another worker is writing is waited for
        within the deadline, then :class:`WriteInProgress`.
        """
        instance = self._ready(provider, "create")
        self._wiring.durable_for_creates(instance, "create")
        inputs.well_typed(promotion)
        checked = self.plan(promotion, instance.alias, policy=policy, allow_unknown=allow_unknown)
        if not allow_ended:
            inputs.not_ended(promotion, checked.problems, now=inputs.now_of(instance))
        checked.raise_for_problems()
        with deadline(timeout):
            target = await self.target(instance.alias)
            return await self.writes.create(
                instance, checked.promotion, key=idempotency_key, target=target
            )

    async def reconcile(
        self,
        idempotency_key: str,
        provider: str | None = None,
        *,
        found_id: str | None = None,
        timeout: float | None = None,
    ) -> Promotion | None:
        """Finish a create whose outcome was unknown (see :class:`OutcomeUnknown`).

        Returns the promotion if it exists (recording it), or ``None`` if it was never
        created (the key may then be used again). ``found_id`` records a promotion
        found by hand, for providers that generate codes.
        """
        instance = self.provider(provider)
        with deadline(timeout):
            target = await self.target(instance.alias)
            return await self.writes.reconcile(
                instance, idempotency_key, found_id=found_id, target=target
            )

    async def create_bulk(
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
        """Generate ``count`` single-use codes, in as many batches as the provider needs.

        Each batch is its own promotion named ``"<name> [i/n tag]"`` and its own ledger
        entry, so an interrupted job re-run with the same arguments resumes where it
        stopped and never creates a batch twice. The job paces itself: it waits out the
        provider's rate limit instead of stopping at it. ``timeout`` bounds the whole
        job (without one it runs until done); batches it cuts short are resumed by a
        re-run. ``count`` is at most :data:`MAX_BULK` (100,000); batches are built as
        their turn comes. ``on_progress(done, count)`` follows the codes made;
        ``on_wait(seconds)`` is told of each wait for the rate limit as it begins
        (the CLI shows it in the progress bar, with the time left).
        """
        check_count(count)
        instance = self._ready(provider, "create")
        self._wiring.durable_for_creates(instance, "create_bulk")
        inputs.well_typed(promotion)
        return await create_bulk(
            self,
            instance,
            promotion,
            count,
            idempotency_key=idempotency_key,
            on_progress=on_progress,
            on_wait=on_wait,
            concurrency=concurrency,
            timeout=timeout,
            sleep=self._wiring.sleep,
        )

    async def register_code(
        self,
        code: str,
        promotion_id: str,
        provider: str | None = None,
        *,
        timeout: float | None = None,
    ) -> Promotion:
        """Record that ``promotion_id`` carries ``code``, for gateways that never return
        codes (Durianpay): a promo made on the dashboard is then validated by code.

        The promotion is read by id first (it must exist); returns it with its code.
        """
        inputs.registrable(code, promotion_id)
        instance = self._ready(provider, "get")
        with deadline(timeout):
            found = await instance.get(promotion_id)
            await instance.codes.remember(code, promotion_id)
        return msgspec.structs.replace(found, code=code)

    async def register_codes(
        self,
        pairs: Iterable[tuple[str, str]],
        provider: str | None = None,
        *,
        timeout: float | None = None,
    ) -> list[Promotion]:
        """:meth:`register_code` for each ``(code, promotion_id)`` (a CSV import);
        ``timeout`` bounds the whole import, as every operation's does."""
        with deadline(timeout):
            return [
                await self.register_code(code, promotion_id, provider)
                for code, promotion_id in pairs
            ]

    async def get(
        self, promotion_id: str, provider: str | None = None, *, timeout: float | None = None
    ) -> Promotion:
        """Fetch one promotion by the provider's id."""
        instance = self._ready(provider, "get")
        with deadline(timeout):
            return await instance.get(promotion_id)

    def list(
        self,
        provider: str | None = None,
        *,
        status: str | None = None,
        search: str | None = None,
        product_id: str | None = None,
        timeout: float | None = None,
        detail: bool = False,
    ) -> AsyncIterator[Promotion]:
        """Every promotion of ``provider``, fetched page by page as you iterate.

        ``timeout`` bounds the wait for each next promotion (a page fetch, at most),
        not the whole iteration, whose pace is yours. With ``detail``, an entry the
        list reports only in part (``unknown`` fields, as Mayar's summaries) is read
        again with ``get``: one more request each, paced by the rate limit.
        """
        return promotions(
            lambda: self._ready(provider, "list"),
            status=status,
            search=search,
            product_id=product_id,
            timeout=timeout,
            detail=detail,
        )

    async def validate(
        self,
        code: str,
        checkout: Checkout,
        provider: str | None = None,
        *,
        timeout: float | None = None,
    ) -> Validation:
        """Would ``code`` apply to ``checkout``? A refusal is a result, not an error."""
        inputs.checkable(code, checkout)
        instance = self._ready(provider, "validate")
        with deadline(timeout):
            return await instance.validate(code, checkout)

    async def usage(
        self, code: str, provider: str | None = None, *, timeout: float | None = None
    ) -> Usage:
        """How much of ``code``'s limit is used."""
        instance = self._ready(provider, "usage")
        with deadline(timeout):
            return await instance.usage(code)

    async def update(
        self,
        promotion_id: str,
        promotion: Promotion,
        provider: str | None = None,
        *,
        policy: Policy = "strict",
        timeout: float | None = None,
        allow_unknown: bool = False,
    ) -> Promotion:
        """Replace promotion ``promotion_id``; checked like :meth:`create` first."""
        instance = self._ready(provider, "update")
        inputs.well_typed(promotion)
        checked = self.plan(promotion, instance.alias, policy=policy, allow_unknown=allow_unknown)
        checked.raise_for_problems()
        with deadline(timeout):
            return await instance.update(promotion_id, checked.promotion)

    async def diff(
        self,
        promotions: Sequence[Promotion],
        provider: str | Sequence[str] | None = None,
        *,
        timeout: float | None = None,
    ) -> Diff:
        """Compare ``promotions`` (the desired state) with what each target holds.

        ``provider`` is an alias, several, or ``None`` for the default. Each target's
        promotions are listed page by page and paired with the entries by the id the
        ledger recorded when promokit wrote them, then by code, then by name. The
        :class:`~promokit.workflows.diff.Diff` lists, per target, what to create, what to update
        (old -> new per field, drifted fields marked), what is in sync, unmanaged
        promotions, entries the target cannot express, and entries that cannot be
        paired unambiguously. A field a gateway did not report is never a change.
        ``timeout`` bounds the whole diff.
        """
        from promokit.workflows.converge import diff_promotions

        for promotion in promotions:
            inputs.well_typed(promotion)
        aliases = [provider] if provider is None or isinstance(provider, str) else list(provider)
        with deadline(timeout):
            return await diff_promotions(self, promotions, aliases)

    async def apply(
        self,
        diff: Diff,
        *,
        prune: bool = False,
        force: bool = False,
        on_progress: ApplyProgress | None = None,
        timeout: float | None = None,
    ) -> ApplyReport:
        """Carry out ``diff``: create, update where the provider can, prune if asked.

        Every target is read again first; if the gateway changed since the diff,
        :class:`~promokit.workflows.apply.StalePlan` names what no longer holds and nothing is
        sent, unless ``force`` (then the fresh read is acted on). Creates go through
        the ledger exactly once (a re-run after a crash resumes), targets run
        concurrently, and what was applied is recorded per target so a later diff
        can tell drift from a file change. ``prune`` deletes unmanaged promotions
        where the provider can delete. Changes a provider cannot make are
        ``impossible`` in the report, with what to do instead; nothing is half-done.
        """
        from promokit.workflows.apply import apply_diff

        with deadline(timeout):
            return await apply_diff(self, diff, prune=prune, force=force, on_progress=on_progress)

    async def delete(
        self, promotion_id: str, provider: str | None = None, *, timeout: float | None = None
    ) -> None:
        """Remove promotion ``promotion_id`` (and forget the ledger's record of creating it)."""
        instance = self._ready(provider, "delete")
        with deadline(timeout):
            await instance.delete(promotion_id)
            await self.ledger.release(await self.target(instance.alias), promotion_id)


__all__ = ["MAX_BULK", "BulkResult", "Client"]
