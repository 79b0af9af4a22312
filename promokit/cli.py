"""The ``promokit`` command: providers, plan, create, read, validate, export, migrate, emulate."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import importlib
import json
import sys
from collections.abc import Awaitable, Callable
from typing import Any, NoReturn, TypeVar

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from promokit import codec, render
from promokit.call_deadline import deadline
from promokit.capabilities import Policy
from promokit.client import Client
from promokit.config import load_config
from promokit.errors import (
    ConfigurationError,
    InvalidInput,
    Problem,
    PromokitError,
    UnsupportedFeature,
)
from promokit.files import dump_promotion, load_promotions
from promokit.model import Checkout
from promokit.plugins import default_plugins

T = TypeVar("T")
EXIT_OK, EXIT_PROVIDER, EXIT_USAGE = 0, 1, 2
_USAGE_ERRORS = (ConfigurationError, InvalidInput, UnsupportedFeature)


class Context:
    """Options every command shares."""

    def __init__(self, config: str | None, as_json: bool, debug: bool) -> None:
        self.config = config
        self.as_json = as_json
        self.debug = debug
        self.timeout: float | None = None  # set by --timeout on commands that call providers
        self.out = Console(soft_wrap=True)
        self.err = Console(stderr=True, soft_wrap=True)

    def client(self) -> Client:
        """A client built from ``--config`` / ``PROMOKIT_CONFIG`` / ``./promokit.toml``."""
        return Client.from_config(self.config)

    def emit(self, data: Any) -> None:
        """Print ``data`` as JSON (machine-readable output)."""
        click.echo(json.dumps(codec.to_builtins(data), indent=2, ensure_ascii=False))

    def progress(self) -> Progress:
        """A progress bar on stderr, silent with ``--json``."""
        return Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            console=self.err,
            disable=self.as_json,
        )

    def output(self, data: Any, human: Callable[[], Any]) -> None:
        """``data`` as JSON with ``--json``, else what ``human()`` renders for people."""
        if self.as_json:
            self.emit(data)
        else:
            self.out.print(human())


def common(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add ``--config``, ``--json`` and ``--debug`` to a command and build its Context."""

    @click.option(
        "--config",
        "config_path",
        type=click.Path(dir_okay=False),
        envvar="PROMOKIT_CONFIG",
        help="promokit.toml to use.",
    )
    @click.option("--json", "as_json", is_flag=True, help="Machine-readable JSON output.")
    @click.option("--debug", is_flag=True, help="Show tracebacks and DEBUG logs.")
    @functools.wraps(command)
    def wrapper(config_path: str | None, as_json: bool, debug: bool, **kwargs: Any) -> Any:
        context = Context(config_path, as_json, debug)
        if debug:
            import logging

            logging.basicConfig(level=logging.DEBUG, stream=sys.stderr)
        try:
            return command(context, **kwargs)
        except PromokitError as error:
            fail(context, error)

    return wrapper


def bounded(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add ``--timeout`` to a command that calls providers (apply under :func:`common`)."""

    @click.option(
        "--timeout",
        type=click.FloatRange(min=0, min_open=True),
        default=None,
        metavar="SECONDS",
        help="Deadline for the whole command's provider requests "
        "(default: each provider's configured timeout, per call).",
    )
    @functools.wraps(command)
    def wrapper(context: Context, timeout: float | None, **kwargs: Any) -> Any:
        context.timeout = timeout
        return command(context, **kwargs)

    return wrapper


def fail(context: Context, error: PromokitError) -> NoReturn:
    """One clear line (plus any listed problems) and the exit code for the error."""
    if context.debug:
        context.err.print_exception()
    code = EXIT_USAGE if isinstance(error, _USAGE_ERRORS) else EXIT_PROVIDER
    if context.as_json:
        click.echo(
            json.dumps(
                {
                    "error": type(error).__name__,
                    "message": error.message,
                    "provider": error.provider,
                    "status": error.status,
                    "code": error.code,
                    "request_id": error.request_id,
                    "outcome": error.outcome,
                    "retryable": error.retryable,
                    "problems": [str(p) for p in error.problems],
                    "notes": list(getattr(error, "__notes__", ())),
                },
                indent=2,
            )
        )
    else:
        context.err.print(f"[bold red]error:[/] {type(error).__name__}: ", end="", markup=True)
        context.err.print(str(error), markup=False, highlight=False)
        for note in getattr(error, "__notes__", ()):  # e.g. how to resume a bulk job
            context.err.print(f"  {note}", markup=False, highlight=False)
    raise SystemExit(code)


def run(context: Context, work: Callable[[Client], Awaitable[T]]) -> T:
    """Open a client, run ``work`` in an event loop, and always close the client."""

    async def main() -> T:
        async with context.client() as client:
            with deadline(context.timeout):
                return await work(client)

    return asyncio.run(main())


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="promokit")
def main() -> None:
    """Payment promotions, one neutral model, any gateway."""


# -- providers and config --------------------------------------------------------


@main.command()
@common
def providers(context: Context) -> None:
    """Installed provider plugins, their versions and capability manifests."""
    plugins = default_plugins()
    registry = plugins.providers()
    manifests = {cls.plugin_name: cls.manifest for cls in registry}
    versions = {name: plugins.version_of(name) for name in manifests}
    if context.as_json:
        context.emit(
            {
                name: {"version": versions[name], "manifest": manifest}
                for name, manifest in manifests.items()
            }
        )
        return
    context.out.print(render.manifest_matrix(manifests, versions))


@main.group()
def config() -> None:
    """Inspect promokit.toml."""


@config.command("check")
@common
def config_check(context: Context) -> None:
    """Validate the config file and say which keys are missing (names only, never values)."""
    loaded = load_config(context.config)
    registry = default_plugins().providers()
    problems: list[str] = list(loaded.missing_keys)
    for alias, settings in loaded.providers.items():
        try:
            registry.get(settings.plugin).check_settings(settings)
        except ConfigurationError as error:
            problems.append(f"{alias}: {error.message}")
    report = {
        "source": loaded.source,
        "default": loaded.default,
        "providers": {a: s.plugin for a, s in loaded.providers.items()},
        "problems": problems,
    }
    if context.as_json:
        context.emit(report)
    else:
        context.out.print(f"{loaded.source}: default provider [bold]{loaded.default}[/]")
        for alias, settings in loaded.providers.items():
            key = settings.api_key.hint if settings.api_key else "missing"
            context.out.print(f"  {alias}: plugin {settings.plugin}, key {key}")
        for problem in problems:
            context.out.print(f"  [red]problem:[/] {problem}")
    if problems:
        raise SystemExit(EXIT_USAGE)


# -- plan and create ----------------------------------------------------------------


def _aliases(client: Client, chosen: tuple[str, ...], everywhere: bool) -> list[str]:
    if everywhere:
        return sorted(client.config.providers)
    return list(chosen) or [client.config.settings(None).alias]


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--provider", "-p", "chosen", multiple=True, help="Alias to plan for (repeat).")
@click.option("--all", "everywhere", is_flag=True, help="Every configured provider.")
@click.option("--policy", type=click.Choice(["strict", "drop"]), default="strict")
@common
def plan(
    context: Context, file: str, chosen: tuple[str, ...], everywhere: bool, policy: Policy
) -> None:
    """Show, field by field, what each provider can express; no I/O."""
    promotions = load_promotions(file)
    client = context.client()
    aliases = _aliases(client, chosen, everywhere)
    plans = [[client.plan(p, alias, policy=policy) for alias in aliases] for p in promotions]
    if context.as_json:
        context.emit(plans)
    else:
        for group in plans:
            context.out.print(render.plan_table(group))
            context.out.print(render.problems_text(group))
    if any(not plan.ok for group in plans for plan in group):
        raise SystemExit(EXIT_USAGE)


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--provider", "-p", "chosen", multiple=True, help="Alias to create on (repeat).")
@click.option("--all", "everywhere", is_flag=True, help="Every configured provider.")
@click.option("--policy", type=click.Choice(["strict", "drop"]), default="strict")
@click.option(
    "--count",
    type=click.IntRange(min=1),
    default=None,
    help="Generate this many single-use codes per promotion (bulk).",
)
@common
@bounded
def create(
    context: Context,
    file: str,
    chosen: tuple[str, ...],
    everywhere: bool,
    policy: Policy,
    count: int | None,
) -> None:
    """Create every promotion in FILE on one or more providers, concurrently."""
    from promokit.fanout import create_everywhere

    promotions = load_promotions(file)

    async def work(client: Client) -> Any:
        aliases = _aliases(client, chosen, everywhere)
        if count is not None:
            return await _bulk(context, client, promotions, aliases, count)
        return [await create_everywhere(client, p, aliases, policy=policy) for p in promotions]

    results = run(context, work)
    if count is not None:
        return
    context.output(results, lambda: render.fanout_table(results))
    if not all(result.ok for result in results):
        raise SystemExit(EXIT_PROVIDER)


def _advance(progress: Progress, task: Any) -> Callable[[int, int], None]:
    def update(done: int, _total: int) -> None:
        progress.update(task, completed=done)

    return update


async def _bulk(
    context: Context, client: Client, promotions: list[Any], aliases: list[str], count: int
) -> None:
    results = []
    with context.progress() as progress:
        for promotion in promotions:
            for alias in aliases:
                task = progress.add_task(f"{promotion.name} @ {alias}", total=count)
                result = await client.create_bulk(
                    promotion,
                    count,
                    alias,
                    on_progress=_advance(progress, task),
                )
                results.append(
                    {
                        "provider": alias,
                        "name": promotion.name,
                        "codes": result.codes,
                        "idempotency_key": result.idempotency_key,
                    }
                )
    if context.as_json:
        context.emit(results)
    else:
        for entry in results:
            context.out.print(f"{entry['name']} @ {entry['provider']}: {len(entry['codes'])} codes")


# -- reading ------------------------------------------------------------------------


@main.command()
@click.argument("promotion_id")
@click.option("--provider", "-p", default=None)
@common
@bounded
def get(context: Context, promotion_id: str, provider: str | None) -> None:
    """Show one promotion in the neutral model."""
    found = run(context, lambda client: client.get(promotion_id, provider))
    context.output(found, lambda: render.promotions_side_by_side([found]))


@main.command("list")
@click.option("--provider", "-p", default=None)
@click.option("--status", default=None, help="active, inactive, expired, ...")
@click.option("--search", default=None, help="Words in the name.")
@click.option("--product", "product_id", default=None)
@common
@bounded
def list_(
    context: Context,
    provider: str | None,
    status: str | None,
    search: str | None,
    product_id: str | None,
) -> None:
    """List promotions (fetched page by page)."""

    async def work(client: Client) -> list[Any]:
        return [
            p
            async for p in client.list(
                provider, status=status, search=search, product_id=product_id
            )
        ]

    found = run(context, work)
    context.output(found, lambda: render.promotions_list(found))


@main.command()
@click.argument("code")
@click.option("--amount", type=int, required=True, help="Checkout amount in currency units.")
@click.option("--provider", "-p", default=None)
@click.option("--product", "product_id", default=None)
@click.option("--email", "customer_email", default=None)
@click.option("--customer-type", type=click.Choice(["new", "returning"]), default=None)
@click.option(
    "--payment-method", type=click.Choice(["card", "ewallet", "virtual_account"]), default=None
)
@click.option("--card-bin", default=None)
@click.option("--bank", default=None)
@click.option("--wallet", default=None)
@common
@bounded
def validate(
    context: Context, code: str, amount: int, provider: str | None, **checkout: Any
) -> None:
    """Would CODE apply to this checkout? Exit 0 when accepted, 1 when refused."""
    cart = Checkout(amount=amount, **checkout)
    result = run(context, lambda client: client.validate(code, cart, provider))
    context.output(result, lambda: render.validation_text(code, result))
    if not result.valid:
        raise SystemExit(EXIT_PROVIDER)


@main.command()
@click.argument("code")
@click.option("--provider", "-p", default=None)
@common
@bounded
def usage(context: Context, code: str, provider: str | None) -> None:
    """How much of CODE's limit is used."""
    result = run(context, lambda client: client.usage(code, provider))
    context.output(result, lambda: render.usage_text(result))


@main.command()
@click.argument("promotion_id")
@click.option("--provider", "-p", default=None)
@common
@bounded
def delete(context: Context, promotion_id: str, provider: str | None) -> None:
    """Remove a promotion (where the provider allows it)."""
    run(context, lambda client: client.delete(promotion_id, provider))
    context.output({"deleted": promotion_id}, lambda: f"deleted {promotion_id}")


@main.command()
@click.argument("idempotency_key")
@click.option("--provider", "-p", default=None)
@click.option("--found-id", default=None, help="Record this promotion id as the outcome.")
@common
@bounded
def reconcile(
    context: Context, idempotency_key: str, provider: str | None, found_id: str | None
) -> None:
    """Finish a create whose outcome was unknown."""
    found = run(
        context, lambda client: client.reconcile(idempotency_key, provider, found_id=found_id)
    )
    if context.as_json:
        context.emit({"found": found})
    elif found is None:
        context.out.print("not created: the key is free to use again")
    else:
        context.out.print(f"recorded {found.id} on {found.provider}")


@main.command()
@click.option("--provider", "-p", default=None)
@click.option("--status", default=None)
@common
@bounded
def export(context: Context, provider: str | None, status: str | None) -> None:
    """Every promotion of a provider as neutral JSON, streamed page by page to stdout."""

    async def work(client: Client) -> int:
        count = 0
        sys.stdout.write('{"promotions": [\n')
        async for promotion in client.list(provider, status=status):
            sys.stdout.write(
                (",\n" if count else "") + json.dumps(dump_promotion(promotion), ensure_ascii=False)
            )
            sys.stdout.flush()
            count += 1
        sys.stdout.write("\n]}\n")
        return count

    count = run(context, work)
    context.err.print(f"exported {count} promotion(s)")


# -- migrate ------------------------------------------------------------------------


def _parse_fill(values: tuple[str, ...]) -> dict[str, Any]:
    fill: dict[str, Any] = {}
    for value in values:
        field, _, raw = value.partition("=")
        if not raw:
            raise InvalidInput(
                f"--fill {value!r} must look like field=JSON",
                problems=[Problem("--fill", "field=JSON")],
            )
        try:
            fill[field.strip()] = json.loads(raw)
        except json.JSONDecodeError:
            fill[field.strip()] = raw
    return fill


@main.command()
@click.option("--from", "source", required=True, help="Alias to read from.")
@click.option("--to", "target", required=True, help="Alias to create on.")
@click.option("--dry-run", is_flag=True, help="Plan only; create nothing.")
@click.option("--policy", type=click.Choice(["strict", "drop"]), default="strict")
@click.option(
    "--fill",
    "fills",
    multiple=True,
    help="Value for a field the target requires and the source lacks, as "
    'field=JSON (e.g. payment=\'{"type":"card","banks":["BCA"]}\').',
)
@click.option("--include-expired", is_flag=True)
@common
@bounded
def migrate(
    context: Context,
    source: str,
    target: str,
    dry_run: bool,
    policy: Policy,
    fills: tuple[str, ...],
    include_expired: bool,
) -> None:
    """Move every promotion from one provider to another, with a field-by-field report."""
    from promokit.migrate import migrate as run_migration

    fill = _parse_fill(fills)

    async def work(client: Client) -> Any:
        with context.progress() as progress:
            task = progress.add_task(f"{source} → {target}", total=None)
            return await run_migration(
                client,
                source,
                target,
                policy=policy,
                dry_run=dry_run,
                fill=fill,
                include_expired=include_expired,
                on_item=lambda _item: progress.advance(task),
            )

    report = run(context, work)
    context.output(report, lambda: render.migration_table(report))
    if not report.ok:
        raise SystemExit(EXIT_PROVIDER)


# -- emulators and demo -------------------------------------------------------------


def load_emulator(plugin: str, **options: Any) -> tuple[Any, str]:
    """Build the emulator a provider plugin ships, and its URL prefix."""
    cls = default_plugins().providers().get(plugin)
    if cls.emulator is None:
        raise ConfigurationError(f"provider plugin {plugin!r} ships no emulator")
    module_name, _, factory = cls.emulator.partition(":")
    build: Callable[..., Any] = getattr(importlib.import_module(module_name), factory)
    return build(**options), cls.emulator_prefix


@main.command()
@click.argument("plugin")
@click.option("--port", type=int, default=0, help="Port on 127.0.0.1 (0 = any free one).")
@click.option("--rate-limit", type=int, default=None, help="Requests per minute before 429.")
@click.option("--key", "api_key", default=None, help="The API key the emulator accepts.")
@click.option(
    "--fault",
    "faults",
    multiple=True,
    help="kind[:count[:status or seconds]] for the next requests, e.g. status:2:503 "
    "or delay:100:0.2.",
)
@common
def emulate(
    context: Context,
    plugin: str,
    port: int,
    rate_limit: int | None,
    api_key: str | None,
    faults: tuple[str, ...],
) -> None:
    """Run PLUGIN's emulator on loopback (like stripe-mock) until interrupted."""
    from promokit.emulator import EmulatorServer

    options: dict[str, Any] = {}
    if rate_limit is not None:
        options["rate_limit"] = rate_limit
    if api_key is not None:
        options["api_key"] = api_key
    emulator, prefix = load_emulator(plugin, **options)
    for spec in faults:
        kind, *rest = spec.split(":")
        extra: dict[str, Any] = {}
        if rest:
            extra["count"] = int(rest[0])
        if len(rest) > 1:
            # The third part is seconds for the delaying faults, a status for the rest.
            if kind in ("delay", "delay_after", "slow_body"):
                extra["delay"] = float(rest[1])
            else:
                extra["status"] = int(rest[1])
        emulator.faults.add(kind, **extra)
    server = EmulatorServer(emulator, port=port, prefix=prefix)

    async def serve() -> None:
        await server.start()
        key = api_key or getattr(emulator, "api_key", "any")
        snippet = (
            f'[providers.{plugin}-emulator]\nplugin = "{plugin}"\n'
            f'base_url = "{server.url}"\napi_key = "{key}"\n'
        )
        if context.as_json:
            context.emit({"base_url": server.url, "config": snippet})
        else:
            context.out.print(f"{plugin} emulator listening on [bold]{server.url}[/]")
            context.out.print("add this to promokit.toml:\n" + snippet, markup=False)
        sys.stdout.flush()
        try:
            await asyncio.Event().wait()
        finally:
            await server.stop()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve())


@main.command()
@common
def demo(context: Context) -> None:
    """The whole story on built-in emulators: no credentials, no network."""
    from promokit.demo import run_demo

    asyncio.run(run_demo(context.out, as_json=context.as_json))


@main.command("new-provider")
@click.argument("name")
@click.option("--dir", "parent", type=click.Path(file_okay=False), default=".")
@click.option("--force", is_flag=True, help="Write into a non-empty directory.")
@common
def new_provider(context: Context, name: str, parent: str, force: bool) -> None:
    """Scaffold promokit-NAME/: a provider plugin package that passes its own tests."""
    from promokit.scaffold import generate

    root = generate(name, parent, force=force)
    context.output(
        {"path": str(root)},
        lambda: f"created {root}; next: pip install -e '{root}[test]' && pytest {root}",
    )


if __name__ == "__main__":
    main()
