"""``cosmic-images db``: apply the migrations, or print them as SQL for a DBA."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from ._common import Data, JsonOpt, cli_errors, emit, load_settings

if TYPE_CHECKING:
    from rich.console import Console

app = typer.Typer(
    help="Database schema: apply migrations or print their SQL.", no_args_is_help=True
)


@app.command("upgrade")
def upgrade_command(as_json: JsonOpt = False) -> None:
    """Apply every pending migration to DATABASE_URL."""
    with cli_errors(as_json):
        from .._boundary import sqlalchemy_errors, translating
        from ..settings import mask_url
        from ..storage import current_revision, make_engine, upgrade

        url = load_settings().effective_database_url
        engine = make_engine(url)
        try:
            with translating("database", sqlalchemy_errors):
                before = current_revision(engine)
                upgrade(engine)
                after = current_revision(engine)
        finally:
            engine.dispose()
        out = Data({"database": mask_url(url), "from": before, "to": after})

    def view(console: Console) -> None:
        where = out.data["database"]
        if before == after:
            console.print(f"{where} is up to date (revision {after}).")
        else:
            console.print(f"{where}: upgraded from {before or 'empty'} to {after}.")

    emit(out, as_json, view)


@app.command("sql")
def sql_command(
    dialect: Annotated[str, typer.Option(help="SQL dialect to render.")] = "postgresql",
    as_json: JsonOpt = False,
) -> None:
    """Print the DDL of every migration, for a DBA to apply with psql."""
    with cli_errors(as_json):
        from ..storage import sql_script

        out = Data({"dialect": dialect.lower(), "sql": sql_script(dialect.lower())})
    emit(out, as_json, lambda _console: typer.echo(out.data["sql"], nl=False))
