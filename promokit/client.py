"""Client: the public facade that routes neutral operations to configured providers."""

from __future__ import annotations

import asyncio
import hashlib
import math
import os
import socket
import time
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any

import aiohttp
import msgspec

from promokit.config import Config, load_config
from promokit.errors import (
    ConfigurationError,
    InvalidCheckout,
    InvalidInput,
    InvalidPromotion,
    Overloaded,
    Problem,
    PromokitError,
    WriteInProgress,
    plural,
)
from promokit.http.call_deadline import deadline, within
from promokit.http.limits import Clock, RateLimiter, RetryBudget, Sleep, Slots
from promokit.http.transport import ProviderHttp, RetryPolicy, Transport
from promokit.ledger import Ledger, call_budget
from promokit.ledger.pacing import WaitCallback, listening, reporting
from promokit.ledger.shared_limits import SharedRateLimiter
from promokit.ledger.targets import rate_window_of, target_of
from promokit.ledger.writes import ExactlyOnce, ProgressCallback, fingerprint
from promokit.model import Checkout, Promotion, Quota, Usage, Validation
from promokit.model.capabilities import Plan, Policy, plan, require_operation
from promokit.model.rules import type_problems
from promokit.plugins import Plugins, default_plugins
from promokit.plugins.provider import Provider, ProviderSettings

if TYPE_CHECKING:
    from promokit.workflows.apply import ApplyProgress, ApplyReport
    from promokit.workflows.diff import Diff

MAX_BULK = 100_000
"""The most codes one :meth:`Client.create_bulk` job makes (2,000 Mayar batches)."""


class BulkResult(msgspec.Struct, frozen=True, kw_only=True):
    """The promotions a bulk job created (one per batch) and every generated code."""

    promotions: tuple[Promotion, ...]
    codes: tuple[str, ...]
    idempotency_key: str


class Client:
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
        self.config = config
        self._ledger = ledger
        self._owns_ledger = ledger is None
        self._plugins = plugins
        self._transport = Transport(session=session)
        self._sleep = sleep
        self._clock = clock
        self._providers: dict[str, Provider] = {}
        self._checked: dict[tuple[str | None, str], Provider] = {}
        self._writes: ExactlyOnce | None = None
        self._targets: dict[str, str] = {}
        self._shared_limiters: list[SharedRateLimiter] = []

    @classmethod
    def from_config(
        cls,
        source: str | os.PathLike[str] | Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> Client:
        """Build a client from ``promokit.toml`` (path), a dict, or the usual search."""
        return cls(load_config(source), **kwargs)

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
        # Forget the checked providers first: _ready() then takes the slow path, which
        # refuses a closed client, without a closed-check on every call.
        self._checked.clear()
        # Freed places are written back first: that needs the target, which a closed
        # transport no longer gives (a late free would die as an unretrieved task).
        for limiter in self._shared_limiters:
            await limiter.settle()
        await self._transport.aclose()
        if self._owns_ledger and self._ledger is not None:
            # Like a caller's session, a caller's ledger stays open for its owner.
            self._ledger.close()
            self._ledger = None
            self._writes = None

    @property
    def plugins(self) -> Plugins:
        """The plugin set providers are looked up in."""
        if self._plugins is None:
            self._plugins = default_plugins()
        return self._plugins

    @property
    def ledger(self) -> Ledger:
        """The write ledger: the one passed in, else ``config.ledger_path``.

        A dict config that names no ledger gets one in memory for reads and code
        look-ups, but creates on a gateway refuse with it (see :meth:`create`).
        """
        if self._ledger is None:
            self._ledger = Ledger.at(self.config.ledger_path or ":memory:")
        return self._ledger

    @property
    def writes(self) -> ExactlyOnce:
        """The exactly-once create machinery bound to :attr:`ledger`."""
        if self._writes is None:
            self._writes = ExactlyOnce(self.ledger)
        return self._writes

    def _durable_for_creates(self, instance: Provider, operation: str) -> None:
        """Refuse a create on a gateway whose exactly-once rests on a ledger nobody chose.

        A dict config without ``ledger`` would record the write in this process's
        memory only: a retry from a new process (a restarted worker, the CLI) would
        create a one-time coupon again. The built-in ``memory`` provider's state dies
        with the process too, so it needs nothing more.
        """
        if instance.uses_http and self._owns_ledger and self.config.ledger_path is None:
            raise ConfigurationError(
                f"{operation} on {instance.alias!r} is exactly-once only with a durable "
                f"ledger, and the config ({self.config.source}) names none; nothing was "
                'sent. Add "ledger": "<path>.sqlite3" (or a postgresql:// URL) to the '
                "config or set PROMOKIT_LEDGER_URL; to accept a ledger that dies with this "
                'process, pass ledger=Ledger.memory() or set "ledger": ":memory:"',
                provider=instance.alias,
                operation=operation,
                problems=[Problem("ledger", "not set: a durable ledger is needed to create")],
            )

    async def target(self, provider: str | None = None) -> str:
        """The gateway account ``provider``'s writes belong to in the ledger.

        ``plugin base-url environment account``, the account being a keyed fingerprint
        of the API key (see :mod:`promokit.ledger.targets`). Opens the ledger.
        """
        instance = self.provider(provider)
        known = self._targets.get(instance.alias)
        if known is None:
            settings = instance.settings
            if instance.uses_http:
                base = type(instance).base_url(settings)
            else:
                # In-process state dies with the instance: so do its records' answers.
                base = f"process:{os.getpid()}:{id(instance):x}"
            known = target_of(await self.ledger.secret(), settings, base)
            self._targets[instance.alias] = known
        return known

    async def _rate_window(self, alias: str) -> str:
        """The shared window ``alias``'s requests count in: its target, or — where the
        gateway limits per client IP — every alias of that gateway on this host."""
        instance = self.provider(alias)
        if instance.uses_http and instance.manifest.rate_limit_scope == "host":
            base = type(instance).base_url(instance.settings)
            return rate_window_of(instance.settings, base, host=socket.gethostname())
        return await self.target(alias)

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
        if self._transport.closed:
            raise ConfigurationError("this promokit client is closed; open a new one")
        settings = self.config.settings(alias)
        instance = self._providers.get(settings.alias)
        if instance is None:
            instance = self._build(settings)
            self._providers[settings.alias] = instance
        return instance

    def _build(self, settings: ProviderSettings) -> Provider:
        cls = self.plugins.providers().get(settings.plugin)
        cls.check_settings(settings)
        http = None
        if cls.uses_http:
            limiter = self._rate_limiter(settings, cls.manifest.rate_limit_per_minute)
            secrets = (settings.api_key.reveal(),) if settings.api_key is not None else ()
            http = ProviderHttp(
                self._transport,
                provider=settings.alias,
                base_url=cls.base_url(settings),
                headers=cls.auth_headers(settings),
                error_parser=cls.parse_error,
                timeout=settings.timeout,
                connect_timeout=settings.connect_timeout,
                retry=RetryPolicy(max_retries=settings.max_retries),
                rate_limiter=limiter,
                slots=Slots(
                    settings.max_concurrency, max_wait=settings.max_queue_wait or settings.timeout
                ),
                budget=RetryBudget(),
                secrets=secrets,
                sleep=self._sleep,
                credential_hint=_credential_hint(settings),
                observer=self.plugins.request_observer(),
            )
        instance = cls(settings, http)
        alias = settings.alias
        instance.codes.bind(self.ledger, lambda: self.target(alias))
        return instance

    def _rate_limiter(
        self, settings: ProviderSettings, documented: float | None
    ) -> RateLimiter | None:
        """The alias's window: shared through the ledger when the ledger outlives us.

        ``rate_limit`` requests per ``rate_period`` seconds (default: per minute). An
        in-memory ledger serves one process only, so its window stays local.
        """
        rate = settings.rate_limit or documented
        if rate is None:
            return None
        period = settings.rate_period
        places, period = (int(rate), period) if rate >= 1 else (1, period / rate)
        # The shared window runs on the store's wall clock: a virtual clock (tests,
        # benchmarks) cannot drive it, and an in-memory ledger serves one process.
        if self._clock is not time.monotonic or getattr(self.ledger.store, "path", None) == (
            ":memory:"
        ):
            return RateLimiter(places, period, clock=self._clock, sleep=reporting(self._sleep))
        alias = settings.alias
        limiter = SharedRateLimiter(
            places,
            period,
            ledger=self.ledger,
            target=lambda: self._rate_window(alias),
            hold_for=settings.timeout + period,
            clock=self._clock,
            sleep=reporting(self._sleep),
        )
        self._shared_limiters.append(limiter)
        return limiter

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
        self._durable_for_creates(instance, "create")
        _well_typed(promotion)
        checked = self.plan(promotion, instance.alias, policy=policy, allow_unknown=allow_unknown)
        if not allow_ended:
            _not_ended(promotion, checked.problems, now=_now_of(instance))
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
        if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_BULK:
            raise InvalidInput(
                f"count must be a whole number from 1 to {MAX_BULK:,}, got {count!r}",
                problems=[Problem("count", f"from 1 to {MAX_BULK:,}")],
            )
        instance = self._ready(provider, "create")
        self._durable_for_creates(instance, "create_bulk")
        _well_typed(promotion)
        template = msgspec.structs.replace(promotion, coupon_type="single_use", code=None)
        size = instance.manifest.limits.max_codes_per_request or count
        batches = -(-count // size)
        key = idempotency_key or f"bulk:{instance.alias}:{fingerprint(template)}:{count}"
        # The tag makes each batch's name unique to this job, so a batch whose answer
        # was lost can be found again by name (one-time codes have no other key).
        tag = hashlib.sha256(key.encode()).hexdigest()[:6]

        def part(index: int) -> Promotion:
            # Built when its turn comes: a big job holds no list of every batch.
            return msgspec.structs.replace(
                template,
                name=f"{promotion.name} [{index + 1}/{batches} {tag}]",
                limit=Quota(uses=min(size, count - index * size)),
            )

        # Batches differ only in their name's number and the last one's quota: the
        # first and the last (the longest name) stand for all of them in the plan.
        for index in {0, batches - 1}:
            self.plan(part(index), instance.alias).raise_for_problems()
        results: list[Promotion | None] = [None] * batches
        done = 0
        turns = iter(range(batches))

        async def worker() -> None:
            nonlocal done
            for index in turns:
                batch = part(index)
                results[index] = await self._batch(
                    instance, batch, f"{key}:{index + 1}/{batches}", target
                )
                limit = batch.limit
                done += limit.uses if isinstance(limit, Quota) else 0
                if on_progress is not None:
                    on_progress(done, count)

        try:
            # Tasks copy the context they start in: every batch inherits the deadline.
            with deadline(timeout), listening(on_wait):
                target = await self.target(instance.alias)
                async with asyncio.TaskGroup() as group:
                    for _ in range(min(max(1, concurrency), batches)):
                        group.create_task(worker())
        except ExceptionGroup as failed:
            finished = sum(result is not None for result in results)
            raise _bulk_stopped(failed, finished, batches, key) from None
        created = tuple(result for result in results if result is not None)
        codes = tuple(coupon.code for result in created for coupon in result.coupons)
        return BulkResult(promotions=created, codes=codes, idempotency_key=key)

    async def _batch(self, instance: Provider, part: Promotion, key: str, target: str) -> Promotion:
        """One batch of a bulk job, waiting while the job may run (its ``timeout``), not
        just one create's deadline: for a rate-limit place (the job paces itself) and
        for a batch another run holds."""
        while True:
            try:
                return await self.writes.create(instance, part, key=key, target=target)
            except Overloaded as full:
                # Nothing was sent: wait for the place the limiter named, then go on.
                after = getattr(full, "retry_after", None)
                wait = 0.25 if after is None else max(0.01, float(after))
                if wait >= call_budget(math.inf):
                    raise
                await reporting(self._sleep)(wait)
            except WriteInProgress as held:
                wait = max(0.05, (held.until or 0.0) - time.time())
                left = call_budget(math.inf)
                if wait >= left:
                    raise
                await asyncio.sleep(wait)

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
        if not code or not promotion_id:
            raise InvalidInput(
                "a code and a promotion id are both needed",
                problems=[Problem("code" if not code else "promotion_id", "must not be empty")],
            )
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
        """:meth:`register_code` for each ``(code, promotion_id)`` (a CSV import)."""
        return [
            await self.register_code(code, promotion_id, provider, timeout=timeout)
            for code, promotion_id in pairs
        ]

    async def get(
        self, promotion_id: str, provider: str | None = None, *, timeout: float | None = None
    ) -> Promotion:
        """Fetch one promotion by the provider's id."""
        call = self._ready(provider, "get").get(promotion_id)
        # Without a timeout, no deadline block: a ``with`` costs ~1 % of a call.
        return await (call if timeout is None else within(timeout, call))

    async def list(
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
        instance = self._ready(provider, "list")
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

    async def validate(
        self,
        code: str,
        checkout: Checkout,
        provider: str | None = None,
        *,
        timeout: float | None = None,
    ) -> Validation:
        """Would ``code`` apply to ``checkout``? A refusal is a result, not an error."""
        problems = (
            type_problems(checkout)
            if isinstance(checkout, Checkout)
            else [Problem("checkout", f"must be a Checkout, got {type(checkout).__name__}")]
        )
        if not isinstance(code, str):
            problems.append(Problem("code", f"must be a string, got {type(code).__name__}"))
        if problems:
            raise InvalidCheckout(
                "a value of the wrong type; nothing was sent",
                operation="validate",
                problems=problems,
            )
        call = self._ready(provider, "validate").validate(code, checkout)
        return await (call if timeout is None else within(timeout, call))

    async def usage(
        self, code: str, provider: str | None = None, *, timeout: float | None = None
    ) -> Usage:
        """How much of ``code``'s limit is used."""
        call = self._ready(provider, "usage").usage(code)
        return await (call if timeout is None else within(timeout, call))

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
        _well_typed(promotion)
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
            _well_typed(promotion)
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


def _bulk_stopped(
    failed: ExceptionGroup[Exception], finished: int, batches: int, key: str
) -> Exception:
    """The typed error a bulk job stopped on, noting how far it got and how to resume.

    A ``TaskGroup`` reports failures as an ``ExceptionGroup``, which ``except
    PromokitError`` does not catch: the first failure is raised instead, the others
    noted on it. A group holding anything but promokit errors (a bug, not
    an answer) is kept whole.
    """
    errors = list(_leaves(failed))
    typed = [error for error in errors if isinstance(error, PromokitError)]
    if not typed or len(typed) != len(errors):
        return failed
    first = typed[0]
    first.add_note(
        f"create_bulk stopped with {finished} of {plural(batches, 'batch', 'batches')} created; "
        f"call it again with the same arguments (idempotency_key={key!r}) to resume"
    )
    for other in typed[1:]:
        first.add_note(f"another batch failed too: {type(other).__name__}: {other}")
    return first


def _leaves(group: BaseExceptionGroup[BaseException]) -> Iterator[BaseException]:
    for error in group.exceptions:
        if isinstance(error, BaseExceptionGroup):
            yield from _leaves(error)
        else:
            yield error


def _well_typed(promotion: Promotion) -> None:
    """Refuse a promotion holding a value of the wrong type, naming its field."""
    problems = (
        type_problems(promotion)
        if isinstance(promotion, Promotion)
        else [Problem("promotion", f"must be a Promotion, got {type(promotion).__name__}")]
    )
    if problems:
        raise InvalidPromotion(
            "the promotion has a value of the wrong type; nothing was sent", problems=problems
        )


def _now_of(instance: Provider) -> datetime:
    """The provider's clock where it keeps one (a test's virtual clock), else the wall clock."""
    now = getattr(instance, "now", None)
    return now() if callable(now) else datetime.now(UTC)


def _not_ended(promotion: Promotion, others: Sequence[Problem], *, now: datetime) -> None:
    """Refuse a promotion whose ``ends_at`` has passed, listing the plan's problems too."""
    ends = promotion.ends_at
    if ends is None or ends.utcoffset() is None:
        return  # no end, or a naive one: the plan names that
    if ends > now:  # the provider's clock (a test's virtual one, else the wall clock)
        return
    when = ends.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    raise InvalidPromotion(
        f"promotion {promotion.name!r} already ended ({when}); nothing was sent",
        problems=[Problem("ends_at", f"is already in the past ({when})"), *others],
    )


def _credential_hint(settings: ProviderSettings) -> str:
    """``the sandbox key dp_test_…0001``: enough to spot a wrong key, never the key."""
    if settings.api_key is None:
        return "no key"
    environment = f"{settings.environment} " if settings.environment else ""
    return f"the {environment}key {settings.api_key.hint}"
