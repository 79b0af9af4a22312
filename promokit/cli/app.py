"""The ``promokit`` group: every verb, gathered from the modules that define them."""

from __future__ import annotations

import click

from promokit.cli import change, codes, converge, create, emulate, info, migrate, read
from promokit.cli.plugins import plugins


class Verbs(click.Group):
    """A group whose command list shows each command's whole first sentence, wrapped."""

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit=1_000)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(
    cls=Verbs,
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog="Every command takes --help, --json and --config. Shell completion: "
    'eval "$(_PROMOKIT_COMPLETE=bash_source promokit)" (zsh_source, fish_source).',
)
@click.version_option(package_name="promokit")
def main() -> None:
    """Payment promotions, one neutral model, any gateway.

    \b
    Start here:
      promokit demo                        the whole story, no credentials
      promokit emulate mayar               a gateway on loopback to try things on
      promokit plan promotions.toml --all  what each provider can express
    """


for command in (
    info.providers,
    plugins,
    info.config,
    info.demo,
    info.new_provider,
    create.plan,
    create.create,
    change.update,
    change.delete,
    change.reconcile,
    read.get,
    read.list_,
    read.validate,
    read.usage,
    read.export,
    codes.codes,
    migrate.migrate,
    converge.diff,
    converge.apply,
    emulate.emulate,
):
    main.add_command(command)
