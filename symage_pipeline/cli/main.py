"""`symage`: the command group; each command lives in its own module beside this one."""

from __future__ import annotations

import click

from symage_pipeline import __version__
from symage_pipeline.cli import accounts, build, check, forms, gallery, generate, tabular, up


@click.group()
@click.version_option(__version__, prog_name="symage")
def main() -> None:
    """Symage: synthetic documents and identities."""


COMMANDS = (up.up, generate.generate, tabular.tabular, build.build, forms.forms, check.check, gallery.gallery,
            accounts.accounts)  # fmt: skip
for command in COMMANDS:
    main.add_command(command)


if __name__ == "__main__":
    main()
