"""What every command shares: the --json option, settings, output, and one way to fail."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.exc import SQLAlchemyError

from ..errors import ConfigurationError, CosmicImagesError, InvalidRequest
from ..schemas import User
from ..service import CosmicImages
from ..settings import Settings

JsonOpt = Annotated[
    bool, typer.Option("--json", help="Print the seed's JSON envelope on stdout instead of tables.")
]

console = Console(highlight=False)


def cli_user(user_id: str, tier: str = "free") -> User:
    """The user a command acts for. The CLI is an operator's tool: it acts as an admin."""
    return User(id=user_id, tier=tier, is_admin=True)


def load_settings(**overrides: Any) -> Settings:
    """Settings from the environment and .env, with CLI overrides; errors named by variable."""
    return Settings.load(**overrides)


def open_service(**overrides: Any) -> CosmicImages:
    return CosmicImages.from_settings(load_settings(**overrides))


def print_json(payload: Mapping[str, Any]) -> None:
    typer.echo(json.dumps(payload, default=str))


def ok(data: Any) -> dict[str, Any]:
    return {"success": True, "data": data}


def fail(error: CosmicImagesError, as_json: bool) -> typer.Exit:
    """Report ``error`` once (JSON envelope or one line on stderr) and give the exit to raise."""
    if as_json:
        print_json(error.to_api())
    else:
        message = " ".join(str(error.message).split())
        typer.echo(f"error: {message}", err=True)
    return typer.Exit(2 if isinstance(error, InvalidRequest) else 1)


@contextmanager
def cli_errors(as_json: bool) -> Iterator[None]:
    """Turn expected failures into exit codes: 2 for invalid input, 1 for the rest."""
    try:
        yield
    except CosmicImagesError as exc:
        raise fail(exc, as_json) from exc
    except SQLAlchemyError as exc:
        problem = ConfigurationError(f"database error: {type(exc).__name__}: {exc.args[0]}")
        raise fail(problem, as_json) from exc
    except OSError as exc:
        problem = ConfigurationError(f"{exc.strerror or exc}: {exc.filename or ''}".strip(": "))
        raise fail(problem, as_json) from exc


def key_value_table(title: str, rows: Mapping[str, Any]) -> Table:
    table = Table(title=title, show_header=False, title_justify="left")
    table.add_column(style="bold cyan", no_wrap=True)
    table.add_column(overflow="fold")
    for key, value in rows.items():
        table.add_row(key, "" if value is None else str(value))
    return table
