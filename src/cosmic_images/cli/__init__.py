"""The ``cosmic-images`` command line: assembled here, one module per command group.

Only typer is imported to build the app; each command imports the library when it runs.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from . import analytics, db, generate, report, users
from .batch import batch
from .card import card
from .cleanup import cleanup
from .config import config
from .edit import edit
from .gallery import gallery
from .image import image
from .pricing import pricing
from .schedule import schedule
from .sky import sky
from .usage import usage

__all__ = ["app", "main"]


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


class JsonErrorsGroup(TyperGroup):
    """The root command: with ``--json``, errors of argument parsing (a value of the wrong
    type, a missing option, an unknown command) print the envelope on stdout and exit 2,
    like every other invalid input, instead of Typer's box on stderr."""

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        argv = list(sys.argv[1:] if args is None else args)
        if not standalone_mode or "--json" not in argv:
            return super().main(argv, prog_name, complete_var, standalone_mode, **extra)
        try:
            outcome = super().main(argv, prog_name, complete_var, False, **extra)
        except Exception as exc:
            message = getattr(exc, "format_message", None)
            if message is None or not hasattr(exc, "exit_code"):
                raise  # not a parsing error of Typer's
            param = getattr(exc, "param", None)
            field = _camel(param.name) if param is not None and param.name else None
            error: dict[str, Any] = {"code": "invalid_request", "message": message()}
            if field:
                error["field"] = field
            typer.echo(json.dumps({"success": False, "error": error}))
            sys.exit(2)
        sys.exit(outcome if isinstance(outcome, int) else 0)


app = typer.Typer(
    cls=JsonErrorsGroup,
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
app.add_typer(report.app, name="report")
app.add_typer(analytics.app, name="analytics")
app.add_typer(users.app, name="users")
app.command()(gallery)
app.command()(image)
app.command()(card)
app.command()(edit)
app.command()(config)
app.command()(sky)
app.command()(pricing)
app.command()(usage)
app.command()(cleanup)
app.command()(batch)
app.command()(schedule)


def main() -> None:
    app()
