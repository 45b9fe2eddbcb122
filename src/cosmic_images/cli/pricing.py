"""``cosmic-images pricing``: the price table in force (shipped, plus COSMIC_IMAGES_PRICES_FILE)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._common import Data, JsonOpt, cli_errors, emit, load_settings

if TYPE_CHECKING:
    from rich.console import Console


def pricing(as_json: JsonOpt = False) -> None:
    """Print every price: per image by quality and size, or per million tokens."""
    with cli_errors(as_json):
        from ..ledger.pricing import load_price_table

        rows = load_price_table(load_settings().prices_file).rows()
        out = Data({"prices": [{**row, "price": str(row["price"])} for row in rows]})

    def view(console: Console) -> None:
        from rich.table import Table

        table = Table(title="Image prices (US dollars)", title_justify="left")
        for column in ("model", "per", "quality", "size", "price"):
            if column == "price":
                table.add_column(column, justify="right", overflow="fold")
            else:
                table.add_column(column, overflow="fold")
        for row in rows:
            table.add_row(
                row["model"],
                row["unit"],
                row["quality"] or "",
                row["size"] or "",
                f"{row['price']}",
            )
        console.print(table)

    emit(out, as_json, view)
