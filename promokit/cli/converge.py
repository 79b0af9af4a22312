"""``promokit diff`` and ``promokit apply``: keep every gateway in step with one file."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
import msgspec

from promokit.cli import confirm, diffview
from promokit.cli.context import Context, bounded, common, fail, interrupted, run
from promokit.client import Client
from promokit.errors import InvalidInput, PromokitError
from promokit.model import Promotion
from promokit.workflows.diff import Diff
from promokit.workflows.files import load_promotions

EXIT_IN_SYNC, EXIT_ERROR, EXIT_CHANGES = 0, 1, 2
"""``diff``'s exit codes, as ``terraform plan -detailed-exitcode``."""


class _UsageError(click.UsageError):
    exit_code = EXIT_ERROR


class DetailedExit(click.Command):
    """A command whose every error exits 1, so 2 can mean "there are changes"."""

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.UsageError as error:
            raise _UsageError(error.format_message(), error.ctx) from None


@contextmanager
def errors_exit_one(context: Context) -> Iterator[None]:
    """Report a promokit error as every command does, but exit 1 whatever its kind."""
    try:
        yield
    except PromokitError as error:
        try:
            fail(context, error)
        except SystemExit:
            raise SystemExit(EXIT_ERROR) from None


def digest(path: str) -> str:
    """The file's content hash: apply refuses a file edited after it was read."""
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror}") from None


def read_file(path: str) -> tuple[list[Promotion], str]:
    """The promotions in ``path`` and the digest of exactly the bytes they came from."""
    before = digest(path)
    promotions = load_promotions(path)
    if digest(path) != before:
        raise InvalidInput(f"{path} changed while it was read; nothing was sent")
    return promotions, before


def aliases(client: Client, chosen: tuple[str, ...], everywhere: bool) -> list[str]:
    """The aliases ``-p``/``--all`` name (the default alias when neither is given)."""
    if everywhere:
        return sorted(client.config.providers)
    return [client.provider(alias).alias for alias in chosen] or [client.provider(None).alias]


async def _diff(
    client: Client, path: str, chosen: tuple[str, ...], everywhere: bool
) -> tuple[Diff, list[Promotion]]:
    promotions, hashed = read_file(path)
    found = await client.diff(promotions, aliases(client, chosen, everywhere))
    return msgspec.structs.replace(found, source=path, digest=hashed), promotions


targets = click.option(
    "--provider", "-p", "chosen", multiple=True, help="Alias to compare with (repeat)."
)
everywhere_option = click.option(
    "--all", "everywhere", is_flag=True, help="Every configured provider."
)


@click.command(cls=DetailedExit)
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@targets
@everywhere_option
@common
@bounded
def diff(context: Context, file: str, chosen: tuple[str, ...], everywhere: bool) -> None:
    """Show, field by field, how each gateway differs from FILE; changes nothing.

    Exit 0 when every target is in sync, 2 when there are changes to apply, 1 on
    an error or an entry that cannot be applied (a plan problem, a conflict).
    Example: promokit diff promotions.toml --all
    """
    with errors_exit_one(context):
        result, _ = run(context, lambda client: _diff(client, file, chosen, everywhere))
    context.output(diffview.diff_json(result), lambda: diffview.diff_view(result))
    if result.problems:
        raise SystemExit(EXIT_ERROR)
    raise SystemExit(EXIT_CHANGES if result.changes else EXIT_IN_SYNC)


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@targets
@everywhere_option
@click.option("--prune", is_flag=True, help="Delete unmanaged promotions where the provider can.")
@click.option(
    "--force",
    is_flag=True,
    help="If a gateway changed since the diff was shown, act on what it holds now "
    "instead of refusing.",
)
@click.option(
    "--yes", "-y", "assume_yes", is_flag=True, help="Do not ask; answer yes (for scripts)."
)
@common
@bounded
def apply(
    context: Context,
    file: str,
    chosen: tuple[str, ...],
    everywhere: bool,
    prune: bool,
    force: bool,
    assume_yes: bool,
) -> None:
    """Bring each gateway in step with FILE: show the diff, ask, then create and update.

    Creates happen exactly once through the ledger (re-run after Ctrl-C or a crash
    to resume); with --prune, unmanaged promotions are deleted where the provider
    can. What a provider cannot do (Mayar has no update or delete) is reported with
    what to do instead. Example: promokit apply promotions.toml --all --yes
    """

    async def work(client: Client) -> Any:
        planned, _ = await _diff(client, file, chosen, everywhere)
        if not context.as_json:
            context.out.print(diffview.diff_view(planned))
        if planned.changes == 0 and not (prune and any(t.unmanaged for t in planned.targets)):
            return planned, None
        confirm.ask(context, "Apply these changes?", [], assume_yes)
        if digest(file) != planned.digest:
            raise InvalidInput(
                f"{file} was edited after the diff was shown; nothing was sent — run "
                "promokit apply again to see the new diff"
            )
        with context.progress() as progress:
            bars = {
                target.provider: progress.add_task(f"apply @ {target.provider}", total=None)
                for target in planned.targets
            }

            def advanced(alias: str, done: int, total: int) -> None:
                progress.update(bars[alias], completed=done, total=total)

            report = await client.apply(planned, prune=prune, force=force, on_progress=advanced)
        return planned, report

    try:
        planned, report = run(context, work)
    except KeyboardInterrupt:
        interrupted(context, "apply")
    if report is None:
        if context.as_json:
            context.emit({"diff": diffview.diff_json(planned), "report": None})
        return
    context.output(
        {"diff": diffview.diff_json(planned), "report": report},
        lambda: diffview.report_view(report),
    )
    if not report.ok:
        raise SystemExit(EXIT_ERROR)
