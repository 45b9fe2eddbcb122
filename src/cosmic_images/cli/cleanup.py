"""``cosmic-images cleanup``: what crashes, outages and time left behind, removed safely."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from ._common import JsonOpt, cli_errors, cli_user, emit, key_value_table, open_service

if TYPE_CHECKING:
    from rich.console import Console


def cleanup(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Report what would go; change nothing.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Record spooled ledger entries, remove orphaned blobs, purge expired entries."""
    with cli_errors(as_json), open_service() as svc:
        report = svc.cleanup(cli_user("cli", "free"), dry_run=dry_run)

    def view(console: Console) -> None:
        data = dict(report.to_api()["data"])
        data.pop("orphanBlobs")
        title = "cleanup (dry run: nothing changed)" if dry_run else "cleanup"
        console.print(key_value_table(title, data))

    emit(report, as_json, view)
