"""``cosmic-images generate``: one sub-command per category."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ._common import (
    JsonOpt,
    OutputOpt,
    ProviderOpt,
    TierOpt,
    UserIdOpt,
    check_output,
    check_provider,
    cli_errors,
    cli_user,
    emit,
    key_value_table,
    open_service,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from rich.console import Console

    from ..schemas import GenerationResult, User
    from ..service import CosmicImages

app = typer.Typer(help="Generate artwork of one category.", no_args_is_help=True)


def _run(
    category: str,
    body: dict[str, Any],
    *,
    user_id: str,
    tier: str,
    provider: str | None,
    output: Path | None,
    as_json: bool,
) -> None:
    def make(svc: CosmicImages, user: User) -> GenerationResult:
        return svc.generate(user, category, {k: v for k, v in body.items() if v is not None})

    run_and_show(
        make, user_id=user_id, tier=tier, provider=provider, output=output, as_json=as_json
    )


def run_and_show(
    make: Callable[[CosmicImages, User], GenerationResult],
    *,
    user_id: str,
    tier: str,
    provider: str | None,
    output: Path | None,
    as_json: bool,
) -> None:
    """Make one image (a generation or an edit), write it to ``output``, show the result."""
    with cli_errors(as_json):
        user = cli_user(user_id, tier)
        # Everything that can be checked is checked before anything is paid for.
        check_output(output)
        check_provider(provider)
        with open_service(provider=provider) as svc:
            result = make(svc, user)
            if output is not None:
                output.write_bytes(svc.image_bytes(user, result.image_id))

    def view(console: Console) -> None:
        rows = {
            "image id": result.image_id,
            "description": result.description,
            "image url": result.image_url,
            "share card": result.shareable_card,
            "cached": "yes (no new generation)" if result.cached else "no (newly generated)",
            "model": f"{result.model} ({result.quality})",
            "cost": f"${result.cost:.4f}",
        }
        if output is not None:
            rows["written to"] = str(output)
        console.print(key_value_table(f"{result.category.replace('_', ' ')} image", rows))

    emit(result, as_json, view)


@app.command("daily-energy")
def daily_energy(
    sign: Annotated[str, typer.Option(help="Zodiac sign, e.g. aries.")],
    date: Annotated[str | None, typer.Option(help="YYYY-MM-DD (default: today).")] = None,
    energy_level: Annotated[int | None, typer.Option(help="1-10.")] = None,
    mood: Annotated[str | None, typer.Option(help="A few words, e.g. uplifting.")] = None,
    focus: Annotated[str | None, typer.Option(help="A few words, e.g. career.")] = None,
    personalized: Annotated[
        bool | None,
        typer.Option(
            "--personalized/--shared",
            help="A picture of your own, or the sign's shared one of the day "
            "(default: personalized when energy, mood or focus is given).",
        ),
    ] = None,
    user_id: UserIdOpt = "cli",
    tier: TierOpt = "universe",
    provider: ProviderOpt = None,
    output: OutputOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Cosmic art of a sign's energy for a day."""
    body = {
        "sign": sign,
        "date": date,
        "energyLevel": energy_level,
        "mood": mood,
        "focus": focus,
        "personalized": personalized,
    }
    _run(
        "daily_energy",
        body,
        user_id=user_id,
        tier=tier,
        provider=provider,
        output=output,
        as_json=as_json,
    )


@app.command()
def avatar(
    sun_sign: Annotated[str | None, typer.Option(help="Sun sign.")] = None,
    moon_sign: Annotated[str | None, typer.Option(help="Moon sign.")] = None,
    rising_sign: Annotated[str | None, typer.Option(help="Rising sign.")] = None,
    birth_date: Annotated[
        str | None, typer.Option(help="Birth date YYYY-MM-DD: computes the signs not given.")
    ] = None,
    birth_time: Annotated[str | None, typer.Option(help="Local birth time HH:MM.")] = None,
    latitude: Annotated[float | None, typer.Option(help="Birth latitude (north +).")] = None,
    longitude: Annotated[float | None, typer.Option(help="Birth longitude (east +).")] = None,
    birth_timezone: Annotated[
        str | None, typer.Option(help="IANA zone of the birth time (default UTC).")
    ] = None,
    trait: Annotated[
        list[str] | None, typer.Option(help="A personality trait (repeatable).")
    ] = None,
    version: Annotated[int, typer.Option(help="Variation number.")] = 1,
    user_id: UserIdOpt = "cli",
    tier: TierOpt = "universe",
    provider: ProviderOpt = None,
    output: OutputOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """A mystical avatar from sun, moon and rising signs, or from birth data."""
    body: dict[str, Any] = {
        "sunSign": sun_sign,
        "moonSign": moon_sign,
        "risingSign": rising_sign,
        "traits": trait or [],
        "version": version,
    }
    birth = {
        "date": birth_date,
        "time": birth_time,
        "latitude": latitude,
        "longitude": longitude,
        "timezone": birth_timezone,
    }
    if any(value is not None for value in birth.values()):
        body["birth"] = {key: value for key, value in birth.items() if value is not None}
    _run(
        "avatar",
        body,
        user_id=user_id,
        tier=tier,
        provider=provider,
        output=output,
        as_json=as_json,
    )


@app.command()
def compatibility(
    sign: Annotated[str, typer.Option(help="Your sign.")],
    partner_sign: Annotated[str, typer.Option(help="Your partner's sign.")],
    score: Annotated[int, typer.Option(help="Compatibility score 0-100.")],
    element: Annotated[str | None, typer.Option(help="Your sign's element (checked).")] = None,
    partner_element: Annotated[
        str | None, typer.Option(help="Your partner's sign's element (checked).")
    ] = None,
    user_id: UserIdOpt = "cli",
    tier: TierOpt = "universe",
    provider: ProviderOpt = None,
    output: OutputOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Two signs' energies merging."""
    one: dict[str, Any] = {"sign": sign}
    two: dict[str, Any] = {"sign": partner_sign}
    if element is not None:
        one["element"] = element
    if partner_element is not None:
        two["element"] = partner_element
    body = {"user1": one, "user2": two, "compatibilityScore": score}
    _run(
        "compatibility",
        body,
        user_id=user_id,
        tier=tier,
        provider=provider,
        output=output,
        as_json=as_json,
    )


@app.command("moon-ritual")
def moon_ritual(
    phase: Annotated[
        str | None, typer.Option(help="new_moon, waxing_crescent, ..., full_moon, ...")
    ] = None,
    date: Annotated[
        str | None, typer.Option(help="YYYY-MM-DD: the phase of that day is computed.")
    ] = None,
    user_id: UserIdOpt = "cli",
    tier: TierOpt = "universe",
    provider: ProviderOpt = None,
    output: OutputOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """A ritual guide for a moon phase, given or computed from a date."""
    _run(
        "moon_ritual",
        {"phase": phase, "date": date},
        user_id=user_id,
        tier=tier,
        provider=provider,
        output=output,
        as_json=as_json,
    )


@app.command("group")
def group(
    sign: Annotated[
        list[str], typer.Option("--sign", help="A member's sign; give 3 to 6 different ones.")
    ],
    score: Annotated[int, typer.Option(help="Group compatibility score 0-100.")],
    user_id: UserIdOpt = "cli",
    tier: TierOpt = "universe",
    provider: ProviderOpt = None,
    output: OutputOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """A group's energies in harmony: 3 to 6 signs, one artwork blending every palette."""
    _run(
        "group",
        {"signs": sign, "score": score},
        user_id=user_id,
        tier=tier,
        provider=provider,
        output=output,
        as_json=as_json,
    )
