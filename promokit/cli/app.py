"""The ``promokit`` group: every verb, gathered from the modules that define them."""

from __future__ import annotations

import click

from promokit.cli import emulate, info, migrate, read, write


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="promokit")
def main() -> None:
    """Payment promotions, one neutral model, any gateway."""


for command in (
    info.providers,
    info.config,
    info.demo,
    info.new_provider,
    write.plan,
    write.create,
    write.delete,
    write.reconcile,
    read.get,
    read.list_,
    read.validate,
    read.usage,
    read.export,
    migrate.migrate,
    emulate.emulate,
):
    main.add_command(command)
