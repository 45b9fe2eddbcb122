"""``cosmic-images batch``: the day's shared daily images, made once, before anyone asks."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ._common import JsonOpt, ProviderOpt, check_provider, cli_errors, emit, open_service

if TYPE_CHECKING:
    from rich.console import Console


def batch(
    date: Annotated[str | None, typer.Option(help="YYYY-MM-DD (default: today).")] = None,
    signs: Annotated[
        str | None, typer.Option(help="Comma-separated signs (default: all twelve).")
    ] = None,
    include: Annotated[
        list[str] | None, typer.Option(help="Also make: moon-ritual (the day's phase).")
    ] = None,
    input_file: Annotated[
        Path | None,
        typer.Option("--input", help="The day's horoscopes as JSON, one entry per sign."),
    ] = None,
    concurrency: Annotated[int, typer.Option(help="Images made at once (1-32).")] = 4,
    popular: Annotated[
        int, typer.Option(help="Keep the N pictures most received this week cached.")
    ] = 0,
    provider: ProviderOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Pre-generate the day's shared images; a re-run pays nothing for what exists."""
    with cli_errors(as_json):
        from ..batch import read_horoscopes
        from ..errors import InvalidRequest

        extras = {value.strip().lower().replace("_", "-") for value in include or []}
        unknown = extras - {"moon-ritual"}
        if unknown:
            raise InvalidRequest(
                f"include: {', '.join(sorted(unknown))} is not known (known: moon-ritual)",
                field="include",
            )
        check_provider(provider)
        horoscopes = read_horoscopes(input_file) if input_file is not None else None
        chosen = [s for s in signs.split(",") if s.strip()] if signs is not None else None
        with open_service(provider=provider) as svc, ExitStack() as stack:
            progress: Callable[[object], None] | None = None
            if not as_json:
                from rich.progress import Progress

                bar = stack.enter_context(Progress(transient=True))
                total = (12 if chosen is None else len(set(chosen))) + len(extras)
                task = bar.add_task("making the day's images", total=total)

                def tick(_item: object) -> None:
                    bar.advance(task)

                progress = tick
            report = svc.batch_generate(
                date,
                signs=chosen,
                include_moon_ritual="moon-ritual" in extras,
                horoscopes=horoscopes,
                concurrency=concurrency,
                popular=popular,
                progress=progress,
            )

    def view(console: Console) -> None:
        for item in report.items:
            if item.error is not None:
                console.print(
                    f"[red]failed[/] {item.category} {item.subject}: {item.error.message}"
                )
        console.print(report.summary())
        if report.refreshed:
            console.print(f"Popular pictures kept cached: {report.refreshed}")

    emit(report, as_json, view)
    if report.failed:
        raise typer.Exit(1)
