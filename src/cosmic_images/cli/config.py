"""``cosmic-images config``: the effective settings, secrets masked."""

from __future__ import annotations

from ._common import JsonOpt, cli_errors, console, key_value_table, load_settings, ok, print_json


def config(as_json: JsonOpt = False) -> None:
    """Print the effective settings (environment, .env, defaults) with secrets masked."""
    with cli_errors(as_json):
        described = load_settings().describe()
    if as_json:
        print_json(ok(described))
    else:
        console.print(key_value_table("cosmic-images settings", described))
