"""``cosmic-images report``: the cost report (table, JSON, CSV, the seed's text, a chart);
``report projection`` and ``report export`` for planning and analysts."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ._common import JsonOpt, cli_errors, emit, open_service

if TYPE_CHECKING:
    from rich.console import Console

app = typer.Typer(help="Cost reports, projections and exports for admins and analysts.")


@app.callback(invoke_without_command=True)
def report(
    ctx: typer.Context,
    days: Annotated[int, typer.Option(help="Business days, ending today (1-366).")] = 7,
    as_json: JsonOpt = False,
    as_csv: Annotated[
        bool, typer.Option("--csv", help="A CSV row per day and breakdown key, on stdout.")
    ] = False,
    as_text: Annotated[
        bool, typer.Option("--text", help="The seed's plain weekly report.")
    ] = False,
    chart: Annotated[
        Path | None, typer.Option("--chart", help="Also draw daily spend and hit rate (PNG).")
    ] = None,
) -> None:
    """What the last days cost: images, cost, cost per image, hit rate, month estimate."""
    if ctx.invoked_subcommand is not None:
        return
    with cli_errors(as_json):
        from ._common import check_output

        check_output(chart)
        with open_service() as svc:
            result = svc.cost_report(days)
        if chart is not None:
            result.chart(chart)
    if as_csv:
        sys.stdout.write(result.to_csv())
        return
    if as_text:
        sys.stdout.write(result.to_text())
        return

    def view(console: Console) -> None:
        from rich.table import Table

        data = result.to_api()["data"]
        console.print(result.to_text().rstrip())
        table = Table(title="by category, model and quality", title_justify="left")
        for column in ("category", "model", "quality"):
            table.add_column(column)
        for column in ("images", "calls", "cost"):
            table.add_column(column, justify="right")
        for item in data["breakdown"]:
            table.add_row(
                item["category"],
                item["model"],
                item["quality"] or "-",
                str(item["images"]),
                str(item["calls"]),
                f"${item['cost']:.4f}",
            )
        console.print(table)
        if chart is not None:
            console.print(f"chart written to {chart}")

    emit(result, as_json, view)
