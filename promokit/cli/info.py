"""Commands that need no provider: ``providers``, ``config check``, ``demo``, ``new-provider``."""

from __future__ import annotations

import asyncio

import click
from rich.text import Text

from promokit.cli import render
from promokit.cli.context import EXIT_USAGE, Context, common
from promokit.config import load_config
from promokit.errors import ConfigurationError
from promokit.plugins import default_plugins


@click.command()
@common
def providers(context: Context) -> None:
    """Installed provider plugins, their versions and capability manifests."""
    plugins = default_plugins()
    registry = plugins.providers()
    for problem in plugins.problems:  # skipped plugins, one line each
        context.err.print(f"warning: {problem}", markup=False, highlight=False)
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


@click.group()
def config() -> None:
    """Inspect promokit.toml."""


@config.command("check")
@common
def config_check(context: Context) -> None:
    """Validate the config file and say which keys are missing (names only, never values).

    \b
    Example:
      promokit config check --config promokit.toml
    """
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
        out = context.out
        out.print(Text(f"{loaded.source}: default provider ").append(str(loaded.default), "bold"))
        for alias, settings in loaded.providers.items():
            key = settings.api_key.hint if settings.api_key else "missing"
            out.print(Text(f"  {alias}: plugin {settings.plugin}, key {key}"))
        for problem in problems:
            out.print(Text("  problem: ", style="red").append(problem, style=""))
    if problems:
        raise SystemExit(EXIT_USAGE)


@click.command()
@common
def demo(context: Context) -> None:
    """The whole story on built-in emulators: no credentials, no network."""
    from promokit.cli.demo import run_demo

    asyncio.run(run_demo(context.out, as_json=context.as_json))


@click.command("new-provider")
@click.argument("name")
@click.option(
    "--dir",
    "parent",
    type=click.Path(file_okay=False),
    default=".",
    show_default=True,
    help="Directory to create promokit-NAME/ in.",
)
@click.option("--force", is_flag=True, help="Write into a non-empty directory.")
@common
def new_provider(context: Context, name: str, parent: str, force: bool) -> None:
    """Scaffold promokit-NAME/: a provider plugin package that passes its own tests.

    \b
    Example:
      promokit new-provider acme --dir plugins
    """
    from promokit.plugins.scaffold import generate

    root = generate(name, parent, force=force)
    context.output(
        {"path": str(root)},
        lambda: f"created {root}; next: pip install -e '{root}[test]' && pytest {root}",
    )
