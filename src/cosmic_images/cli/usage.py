"""``cosmic-images usage``: a user's weekly usage, limit and reset time."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from ._common import JsonOpt, cli_errors, cli_user, emit, open_service

if TYPE_CHECKING:
    from rich.console import Console


def usage(
    user_id: Annotated[str, typer.Option("--user-id", help="Whose usage.")],
    tier: Annotated[str, typer.Option("--tier", help="The user's tier.")],
    as_json: JsonOpt = False,
) -> None:
    """Weekly usage, limit, remaining slots and when the next one frees up."""
    with cli_errors(as_json), open_service() as svc:
        stats = svc.usage_stats(cli_user(user_id, tier))

    def view(console: Console) -> None:
        limit = "unlimited" if stats.weekly_limit is None else str(stats.weekly_limit)
        resets = stats.resets_at.isoformat() if stats.resets_at else "-"
        console.print(
            f"{user_id} ({stats.tier}, {stats.quality}): {stats.weekly_usage} of {limit} this "
            f"week; next slot back at {resets}"
        )

    emit(stats, as_json, view)
