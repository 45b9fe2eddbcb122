"""``cosmic-images sky``: the day's Moon and Sun, and each sign's energy for its shared image."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from ._common import Data, JsonOpt, cli_errors, emit, load_settings

if TYPE_CHECKING:
    from rich.console import Console


def sky(
    date: Annotated[str | None, typer.Option(help="YYYY-MM-DD (default: today).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Moon phase, illumination, Moon and Sun signs, and the 12 signs' derived energy."""
    with cli_errors(as_json):
        import datetime as dt

        from ..schemas import parse_date
        from ..sky import day_sky

        zone = load_settings().zone
        day = dt.datetime.now(zone).date() if date is None else parse_date(date, "date")
        today = day_sky(day, zone.key)
    moon = today.moon
    out = Data(
        {
            "date": day.isoformat(),
            "timezone": zone.key,
            "moonPhase": moon.phase.value,
            "illumination": round(moon.illumination, 4),
            "moonAgeDays": round(moon.age_days, 2),
            "moonSign": moon.moon.sign.value,
            "moonDegree": round(moon.moon.degree, 2),
            "principalPhaseAt": moon.principal_instant.isoformat()
            if moon.principal_instant
            else None,
            "sunSign": today.sun.sign.value,
            "sunIngressAt": today.sun.ingress.isoformat() if today.sun.ingress else None,
            "signs": [
                {
                    "sign": e.sign.value,
                    "relation": e.relation,
                    "energyLevel": e.profile.energy_level,
                    "mood": e.profile.mood,
                    "focus": e.profile.focus,
                }
                for e in today.signs
            ],
        }
    )

    def view(console: Console) -> None:
        from rich.table import Table

        when = f", exact at {moon.principal_instant:%H:%M} UTC" if moon.principal_instant else ""
        console.print(
            f"[bold]{day.isoformat()}[/] ({zone.key}): {moon.phase.label}{when}, "
            f"{moon.illumination:.0%} illuminated, Moon in {moon.moon.sign.value.capitalize()} "
            f"{moon.moon.degree:.1f}\u00b0, Sun in {today.sun.sign.value.capitalize()}"
        )
        table = Table(title="Each sign's shared image today", title_justify="left")
        for column in ("sign", "the Moon's element", "energy", "mood", "focus"):
            table.add_column(column)
        for entry in today.signs:
            table.add_row(
                entry.sign.value,
                entry.relation,
                f"{entry.profile.energy_level}/10",
                entry.profile.mood,
                entry.profile.focus,
            )
        console.print(table)

    emit(out, as_json, view)
