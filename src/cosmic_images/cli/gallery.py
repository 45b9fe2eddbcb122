"""``cosmic-images gallery``: a user's images, newest first."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from ._common import JsonOpt, cli_errors, cli_user, emit, open_service

if TYPE_CHECKING:
    from rich.console import Console


def gallery(
    user_id: Annotated[str, typer.Option("--user-id", help="Whose gallery.")],
    limit: Annotated[int, typer.Option(help="At most this many images (1-100).")] = 20,
    offset: Annotated[int, typer.Option(help="Skip this many.")] = 0,
    as_json: JsonOpt = False,
) -> None:
    """List a user's images, most recently delivered first."""
    with cli_errors(as_json), open_service() as svc:
        page = svc.gallery(cli_user(user_id), limit=limit, offset=offset)

    def view(console: Console) -> None:
        from rich.table import Table

        title = f"{user_id}'s gallery: {len(page.images)} of {page.total}"
        table = Table(title=title, title_justify="left")
        for column in ("delivered", "category", "description", "image id", "url"):
            table.add_column(column)
        for item in page.images:
            table.add_row(
                item.delivered_at.strftime("%Y-%m-%d %H:%M"),
                item.category,
                item.description,
                item.image_id,
                item.image_url,
            )
        console.print(table)

    emit(page, as_json, view)
