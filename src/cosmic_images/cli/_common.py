"""What every command shares: the options declared once, the service, output, one way to fail.

Only typer is imported here at module level: the library (SQLAlchemy, Pillow, openai, ephem)
is imported inside the commands that need it, so ``cosmic-images --help`` stays instant.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Protocol

import typer

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

    from ..errors import CosmicImagesError
    from ..schemas import User
    from ..service import CosmicImages
    from ..settings import Settings

__all__ = [
    "Data",
    "JsonOpt",
    "OutputOpt",
    "ProviderOpt",
    "TierOpt",
    "UserIdOpt",
    "check_output",
    "check_provider",
    "cli_errors",
    "cli_user",
    "emit",
    "key_value_table",
    "load_settings",
    "open_service",
]

JsonOpt = Annotated[
    bool, typer.Option("--json", help="Print the seed's JSON envelope on stdout instead of tables.")
]
UserIdOpt = Annotated[str, typer.Option("--user-id", help="Whose gallery gets the image.")]
TierOpt = Annotated[
    str, typer.Option("--tier", help="The user's tier (free, cosmic, universe...).")
]
ProviderOpt = Annotated[
    str | None, typer.Option("--provider", help="Provider name or module:attribute.")
]
OutputOpt = Annotated[
    Path | None, typer.Option("--output", "-o", help="Also write the PNG to this file.")
]


class Output(Protocol):
    """What a command prints: anything that gives the seed's JSON envelope."""

    def to_api(self) -> Mapping[str, Any]: ...


@dataclass(frozen=True, slots=True)
class Data:
    """A plain successful answer: ``{"success": true, "data": ...}``."""

    data: Mapping[str, Any]

    def to_api(self) -> Mapping[str, Any]:
        return {"success": True, "data": self.data}


def emit(output: Output, as_json: bool, view: Callable[[Console], None]) -> None:
    """Print ``output`` as the JSON envelope, or as the rich ``view`` of it."""
    if as_json:
        typer.echo(json.dumps(output.to_api(), default=str))
        return
    from rich.console import Console

    view(Console(highlight=False))


def cli_user(user_id: str, tier: str = "free") -> User:
    """The user a command acts for. The CLI is an operator's tool: it acts as an admin."""
    from ..schemas import User

    return User(id=user_id, tier=tier, is_admin=True)


def load_settings(**overrides: Any) -> Settings:
    """Settings from the environment and .env, with CLI overrides; errors named by variable."""
    from ..settings import Settings

    return Settings.load(**overrides)


def open_service(**overrides: Any) -> CosmicImages:
    from ..service import CosmicImages

    return CosmicImages.from_settings(load_settings(**overrides))


def fail(error: CosmicImagesError, as_json: bool) -> typer.Exit:
    """Report ``error`` once (JSON envelope or one line on stderr) and give the exit to raise."""
    from ..errors import InvalidRequest

    if as_json:
        typer.echo(json.dumps(error.to_api(), default=str))
    else:
        message = " ".join(str(error.message).split())
        typer.echo(f"error: {message}", err=True)
    return typer.Exit(2 if isinstance(error, InvalidRequest) else 1)


@contextmanager
def cli_errors(as_json: bool) -> Iterator[None]:
    """Turn expected failures into exit codes: 2 for invalid input, 1 for the rest."""
    from ..errors import ConfigurationError, CosmicImagesError

    try:
        yield
    except CosmicImagesError as exc:
        raise fail(exc, as_json) from exc
    except OSError as exc:  # the CLI's own files (--output), not the library's
        problem = ConfigurationError(f"{exc.strerror or exc}: {exc.filename or ''}".strip(": "))
        raise fail(problem, as_json) from exc


def check_output(output: Path | None) -> None:
    """``--output`` names a file we can write, in a folder that exists (checked up front)."""
    if output is None:
        return
    from ..errors import InvalidRequest

    if output.is_dir():
        raise InvalidRequest(f"output: {output} is a folder; name a file", field="output")
    if not output.parent.is_dir():
        raise InvalidRequest(f"output: the folder {output.parent} does not exist", field="output")
    if not os.access(output.parent, os.W_OK) or (
        output.exists() and not os.access(output, os.W_OK)
    ):
        raise InvalidRequest(f"output: {output} cannot be written", field="output")


def check_provider(name: str | None) -> None:
    """``--provider`` is a known provider or an import path; else InvalidRequest listing them."""
    if name is None or ":" in name:
        return
    from ..errors import InvalidRequest
    from ..providers import available_providers

    known = available_providers()
    if name.lower() not in known:
        raise InvalidRequest(
            f"provider: unknown provider {name!r} (known: {', '.join(known)}, "
            "or an import path module:attribute)",
            field="provider",
        )


def key_value_table(title: str, rows: Mapping[str, Any]) -> Table:
    from rich.table import Table

    table = Table(title=title, show_header=False, title_justify="left")
    table.add_column(style="bold cyan", no_wrap=True)
    table.add_column(overflow="fold")
    for key, value in rows.items():
        table.add_row(key, "" if value is None else str(value))
    return table
