"""The ``cosmic-images`` command line: assembled here, one module per command group.

Only typer is imported to build the app; each command imports the library when it runs.
"""

from __future__ import annotations

from typing import Annotated

import typer

from . import db, generate
from .config import config
from .gallery import gallery
from .image import image
from .pricing import pricing
from .sky import sky
from .usage import usage

__all__ = ["app", "main"]

app = typer.Typer(
    name="cosmic-images",
    help="Personalised astrology artwork: generate, cache, list and report.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        from .. import __version__

        typer.echo(f"cosmic-images {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Personalised astrology artwork: generate, cache, list and report."""


app.add_typer(generate.app, name="generate")
app.add_typer(db.app, name="db")
app.command()(gallery)
app.command()(image)
app.command()(config)
app.command()(sky)
app.command()(pricing)
app.command()(usage)


def main() -> None:
    app()
