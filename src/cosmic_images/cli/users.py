"""``cosmic-images users block|unblock``: stop one account, and let it back."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from ._common import Data, JsonOpt, cli_errors, cli_user, emit, open_service

if TYPE_CHECKING:
    from rich.console import Console

app = typer.Typer(help="Block and unblock users (fair use).", no_args_is_help=True)


@app.command("block")
def block(
    user_id: Annotated[str, typer.Argument(help="The user to block.")],
    reason: Annotated[str, typer.Option("--reason", help="Why (kept and logged).")],
    as_json: JsonOpt = False,
) -> None:
    """Block a user: no generations, cards or edits; their gallery stays readable."""
    with cli_errors(as_json), open_service() as svc:
        svc.block_user(cli_user("cli"), user_id, reason)
    out = Data({"userId": user_id, "blocked": True, "reason": " ".join(reason.split())})

    def view(console: Console) -> None:
        console.print(f"{user_id} is blocked: {out.data['reason']}")

    emit(out, as_json, view)


@app.command("unblock")
def unblock(
    user_id: Annotated[str, typer.Argument(help="The user to let back.")],
    as_json: JsonOpt = False,
) -> None:
    """Lift a user's block."""
    with cli_errors(as_json), open_service() as svc:
        was = svc.unblock_user(cli_user("cli"), user_id)
    out = Data({"userId": user_id, "blocked": False, "wasBlocked": was})

    def view(console: Console) -> None:
        console.print(f"{user_id} is unblocked" if was else f"{user_id} was not blocked")

    emit(out, as_json, view)
