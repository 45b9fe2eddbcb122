"""The ``cosmic-images`` command line: assembled here, one module per command group."""

from __future__ import annotations

import typer

from . import db, generate
from .config import config
from .gallery import gallery
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
app.add_typer(generate.app, name="generate")
app.add_typer(db.app, name="db")
app.command()(gallery)
app.command()(config)
app.command()(sky)
app.command()(pricing)
app.command()(usage)


def main() -> None:
    app()
