"""``cosmic-images analytics``: the dashboard and the viral images, for admins."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from ._common import JsonOpt, cli_errors, cli_user, emit, open_service

if TYPE_CHECKING:
    from rich.console import Console

app = typer.Typer(help="Engagement: the dashboard and viral images.", no_args_is_help=True)


def _images_table(title: str, items: list[dict[str, Any]], count_key: str) -> Any:
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for column in ("image id", "category", "shares", "downloads", "views", "favourites"):
        table.add_column(column)
    for item in items:
        table.add_row(
            item["imageId"],
            item["category"],
            str(item[count_key]),
            str(item["downloads"]),
            str(item["views"]),
            str(item["favorites"]),
        )
    return table


@app.command("dashboard")
def dashboard(as_json: JsonOpt = False) -> None:
    """Today's images, shares, downloads and cost; viral images; the week's best."""
    with cli_errors(as_json), open_service() as svc:
        result = svc.dashboard(cli_user("cli"))

    def view(console: Console) -> None:
        from rich.table import Table

        data = result.to_api()["data"]
        today = data["today"]
        console.print(
            f"Today ({today['date']}): {today['imagesGenerated']} images, {today['shares']} "
            f"shares, {today['downloads']} downloads, {today['views']} views, "
            f"${today['cost']:.2f}; {data['viral']['count']} viral"
        )
        console.print(_images_table("top performing (7 days)", data["topPerforming"], "shares"))
        table = Table(title="by category (7 days)", title_justify="left")
        for column in ("category", "images", "shares", "downloads", "views", "favourites"):
            table.add_column(column)
        for c in data["categories"]:
            table.add_row(
                c["category"],
                *(str(c[k]) for k in ("images", "shares", "downloads", "views", "favorites")),
            )
        console.print(table)

    emit(result, as_json, view)


@app.command("viral")
def viral(as_json: JsonOpt = False) -> None:
    """Images shared COSMIC_IMAGES_VIRAL_SHARES (50) times or more in the last 24 hours."""
    with cli_errors(as_json), open_service() as svc:
        result = svc.viral_images(cli_user("cli"))

    def view(console: Console) -> None:
        items = result.to_api()["data"]
        title = f"viral images ({result.threshold}+ shares in 24 hours): {len(items)}"
        console.print(_images_table(title, items, "sharesLast24h"))

    emit(result, as_json, view)
