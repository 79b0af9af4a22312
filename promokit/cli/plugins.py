"""``promokit plugins``: every installed plugin, its distribution, hooks and providers."""

from __future__ import annotations

import dataclasses

import click

from promokit.cli.context import Context, common
from promokit.plugins import default_plugins


@click.command()
@common
def plugins(context: Context) -> None:
    """Installed promokit plugins: distribution, version, hooks, providers, problems.

    Hook-only plugins (observers) are listed too; ``promokit providers`` shows
    what each provider can do.

    \b
    Examples:
      promokit plugins
      promokit plugins --json
    """
    loaded = default_plugins()
    found = loaded.info()
    if context.as_json:
        context.emit([dataclasses.asdict(info) for info in found])
        return
    for info in found:
        if info.problem is not None:
            context.out.print(f"[red]{info.name}[/]: {info.problem}", markup=True)
            continue
        providers = ", ".join(info.providers) or "none"
        context.out.print(
            f"[bold]{info.name}[/] ({info.distribution} {info.version}): "
            f"hooks {', '.join(info.hooks) or 'none'}; providers {providers}",
            markup=True,
        )
