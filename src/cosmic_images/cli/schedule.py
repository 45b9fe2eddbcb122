"""``cosmic-images schedule``: the seed's jobs as crontab lines or systemd units."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from ._common import Data, JsonOpt, cli_errors, emit, load_settings

if TYPE_CHECKING:
    from rich.console import Console


def schedule(
    format_: Annotated[
        str, typer.Option("--format", help="cron (crontab lines) or systemd (units).")
    ] = "cron",
    as_json: JsonOpt = False,
) -> None:
    """Print ready-to-install crontab lines or systemd timers for the batch and cleanup."""
    with cli_errors(as_json):
        from pathlib import Path

        from ..errors import InvalidRequest
        from ..schedule import crontab, systemd_units

        kind = format_.strip().lower()
        zone, here = load_settings().timezone, Path.cwd()
        if kind == "cron":
            out = Data({"format": "cron", "timezone": zone, "crontab": crontab(zone, here)})
        elif kind == "systemd":
            out = Data({"format": "systemd", "timezone": zone, "units": systemd_units(zone, here)})
        else:
            raise InvalidRequest("format: must be cron or systemd", field="format")

    def view(_console: Console) -> None:
        if "crontab" in out.data:
            typer.echo(out.data["crontab"], nl=False)
            return
        for name, content in out.data["units"].items():
            typer.echo(f"# --- {name}\n{content}")

    emit(out, as_json, view)
