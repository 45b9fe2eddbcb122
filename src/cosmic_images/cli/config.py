"""``cosmic-images config``: the effective settings, secrets masked."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._common import Data, JsonOpt, cli_errors, emit, key_value_table, load_settings

if TYPE_CHECKING:
    from rich.console import Console


def config(as_json: JsonOpt = False) -> None:
    """Print the effective settings (environment, .env, defaults) with secrets masked."""
    with cli_errors(as_json):
        out = Data(load_settings().describe())

    def view(console: Console) -> None:
        console.print(key_value_table("cosmic-images settings", out.data))

    emit(out, as_json, view)
