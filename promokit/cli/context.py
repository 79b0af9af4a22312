"""What every command shares: options, output to people or JSON, errors and exit codes."""

from __future__ import annotations

import asyncio
import functools
import json
import sys
from collections.abc import Awaitable, Callable
from typing import Any, NoReturn, TypeVar

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, TextColumn

from promokit.client import Client
from promokit.errors import (
    ConfigurationError,
    InvalidInput,
    PromokitError,
    UnsupportedFeature,
)
from promokit.http import codec
from promokit.http.call_deadline import deadline

T = TypeVar("T")
EXIT_OK, EXIT_PROVIDER, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
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

    def progress(self, *more: ProgressColumn) -> Progress:
        """A progress bar on stderr, silent with ``--json``; ``more`` columns follow."""
        return Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            *more,
            console=self.err,
            disable=self.as_json,
        )

    def output(self, data: Any, human: Callable[[], Any]) -> None:
        """``data`` as JSON with ``--json``, else what ``human()`` renders for people."""
        if self.as_json:
            self.emit(data)
        else:
            # Plain strings carry names, ids and paths that are not ours: never markup.
            self.out.print(human(), markup=False, highlight=False)


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
        except KeyboardInterrupt:
            interrupted(context, click.get_current_context().info_name or "")

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


_RESUME = {
    "create": "run the same command again to resume: what was created is in the ledger "
    "and is not created twice",
    "migrate": "run the same command again to resume: migrated promotions are reported "
    "as already migrated, not created twice",
    "apply": "run the same promokit apply again to resume: creates go through the ledger "
    "exactly once, and what already matches the file is left alone",
    "update": "run the same command again: updating to the same values twice is harmless",
    "delete": "check with `promokit get ID` whether it is gone; deleting again is harmless",
}


def interrupted(context: Context, command: str) -> NoReturn:
    """Ctrl-C: say what to do next and exit 130, as shells expect."""
    hint = _RESUME.get(command, "nothing more was sent")
    context.err.print(f"interrupted; {hint}", markup=False, highlight=False)
    raise SystemExit(EXIT_INTERRUPTED)


def run(context: Context, work: Callable[[Client], Awaitable[T]]) -> T:
    """Open a client, run ``work`` in an event loop, and always close the client."""

    async def main() -> T:
        async with context.client() as client:
            with deadline(context.timeout):
                return await work(client)

    return asyncio.run(main())
