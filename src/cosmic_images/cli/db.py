"""``cosmic-images db``: apply the migrations, or print them as SQL for a DBA."""

from __future__ import annotations

from typing import Annotated

import typer

from ..settings import mask_url
from ..storage import current_revision, make_engine, sql_script, upgrade
from ._common import JsonOpt, cli_errors, console, load_settings, ok, print_json

app = typer.Typer(
    help="Database schema: apply migrations or print their SQL.", no_args_is_help=True
)


@app.command("upgrade")
def upgrade_command(as_json: JsonOpt = False) -> None:
    """Apply every pending migration to DATABASE_URL."""
    with cli_errors(as_json):
        url = load_settings().effective_database_url
        engine = make_engine(url)
        try:
            before = current_revision(engine)
            upgrade(engine)
            after = current_revision(engine)
        finally:
            engine.dispose()
    data = {"database": mask_url(url), "from": before, "to": after}
    if as_json:
        print_json(ok(data))
    elif before == after:
        console.print(f"{data['database']} is up to date (revision {after}).")
    else:
        console.print(f"{data['database']}: upgraded from {before or 'empty'} to {after}.")


@app.command("sql")
def sql_command(
    dialect: Annotated[str, typer.Option(help="SQL dialect to render.")] = "postgresql",
    as_json: JsonOpt = False,
) -> None:
    """Print the DDL of every migration, for a DBA to apply with psql."""
    with cli_errors(as_json):
        script = sql_script(dialect)
    if as_json:
        print_json(ok({"dialect": dialect, "sql": script}))
    else:
        typer.echo(script, nl=False)
