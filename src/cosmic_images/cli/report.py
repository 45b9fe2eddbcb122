"""``cosmic-images report``: the cost report (table, JSON, CSV, the seed's text, a chart);
``report projection`` and ``report export`` for planning and analysts."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ._common import JsonOpt, check_output, cli_errors, emit, open_service

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
        if as_json + as_csv + as_text > 1:
            from ..errors import InvalidRequest

            raise InvalidRequest("format: choose one of --json, --csv and --text", field="format")
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


@app.command("projection")
def projection(
    users: Annotated[int, typer.Option(help="Active users.")] = 10_000,
    mix: Annotated[
        str, typer.Option(help="Tier shares, tier=share,... adding up to 1.")
    ] = "free=0.3,cosmic=0.5,universe=0.2",
    hit_rate: Annotated[str, typer.Option("--hit-rate", help="Cache hit rate, 0 to 1.")] = "0.8",
    model: Annotated[
        str | None, typer.Option(help="Price by this model (default: the configured one).")
    ] = None,
    unlimited_images: Annotated[
        int, typer.Option(help="Images a month a user of an unlimited tier asks for.")
    ] = 20,
    as_json: JsonOpt = False,
) -> None:
    """A month's cost from users, tier mix and hit rate, with its arithmetic line by line."""
    with cli_errors(as_json), open_service() as svc:
        result = svc.project_month(
            users, mix, hit_rate, model=model, unlimited_images=unlimited_images
        )

    def view(console: Console) -> None:
        console.print(result.to_text().rstrip(), soft_wrap=True)

    emit(result, as_json, view)


@app.command("export")
def export(
    since: Annotated[str, typer.Option(help="The first business day, YYYY-MM-DD.")],
    file_format: Annotated[str, typer.Option("--format", help="csv or parquet.")] = "csv",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="The file (CSV: stdout by default).")
    ] = None,
) -> None:
    """Every ledger entry since a day, for analysts: CSV, or Parquet with the extra."""
    with cli_errors(False):
        from ._common import cli_user

        check_output(output)
        with open_service() as svc:
            count = svc.export_ledger(
                cli_user("cli"), since, output or sys.stdout, format=file_format
            )
    if output is not None:
        typer.echo(f"{count} ledger entries written to {output}", err=True)
