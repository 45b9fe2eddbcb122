"""``cosmic-images pricing``: the price table in force (shipped, plus COSMIC_IMAGES_PRICES_FILE)."""

from __future__ import annotations

from rich.table import Table

from ..ledger import load_price_table
from ._common import JsonOpt, cli_errors, console, load_settings, ok, print_json


def pricing(as_json: JsonOpt = False) -> None:
    """Print every price: per image by quality and size, or per million tokens."""
    with cli_errors(as_json):
        settings = load_settings()
        rows = load_price_table(settings.prices_file).rows()
    if as_json:
        print_json(ok({"prices": [{**row, "price": str(row["price"])} for row in rows]}))
        return
    table = Table(title="Image prices (US dollars)", title_justify="left")
    for column in ("model", "per", "quality", "size", "price"):
        table.add_column(column, justify="right" if column == "price" else "left", overflow="fold")
    for row in rows:
        table.add_row(
            row["model"], row["unit"], row["quality"] or "", row["size"] or "", f"{row['price']}"
        )
    console.print(table)
