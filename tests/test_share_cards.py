"""share_card: tiers, who may read, one download event per download, rendered once and stored,
the brand and share texts from settings, cleanup of cards, and the ``card`` command."""

from __future__ import annotations

import json
import os
import time
import uuid
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from typer.testing import CliRunner

from cosmic_images import (
    BackendUnavailable,
    CosmicImages,
    InvalidRequest,
    NotEntitled,
    NotFound,
    User,
)
from cosmic_images.cli import app
from cosmic_images.sharing import SHARE_TEXTS, card_data
from cosmic_images.storage.models import DownloadEvent
from cosmic_images.zodiac import CardFormat, MoonPhase

from .conftest import ServiceFactory

OWNER = User(id="owner", tier="cosmic")
STRANGER = User(id="stranger", tier="universe")
FREE = User(id="free", tier="free")
ADMIN = User(id="ops", tier="free", is_admin=True)
ENERGY = {"sign": "aries", "date": "2025-01-23", "energyLevel": 8, "mood": "calm"}


def decoded(data: bytes) -> tuple[tuple[int, int], str]:
    with Image.open(BytesIO(data)) as image:
        return image.size, str(image.format)


def card_keys(svc: CosmicImages, image_id: str) -> list[str]:
    return sorted(b.key for b in svc.blobs.list_blobs() if b.key.startswith(f"cards/{image_id}/"))


@pytest.fixture
def renders(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int]]:
    """Every card actually rendered (not served from the blob store), by size."""
    from cosmic_images.cards import render

    made: list[tuple[int, int]] = []
    real = render.render_card

    def counting(image: bytes, data: Any, size: Any, **kwargs: Any) -> bytes:
        made.append(size)
        return real(image, data, size, **kwargs)

    monkeypatch.setattr(render, "render_card", counting)
    return made


def test_a_card_is_rendered_once_stored_and_each_download_recorded(
    service: CosmicImages, renders: list[tuple[int, int]]
) -> None:
    made = service.generate_daily_energy(OWNER, ENERGY)
    first = service.share_card(OWNER, made.image_id, "instagram_story")
    assert decoded(first) == ((1080, 1920), "PNG")
    assert renders == [(1080, 1920)]
    [key] = card_keys(service, made.image_id)
    assert service.blobs.get(key) == first
    second = service.share_card(OWNER, made.image_id, CardFormat.INSTAGRAM_STORY)
    assert second == first
    assert renders == [(1080, 1920)], "the second request was served from the blob store"
    assert service.repository.count(DownloadEvent) == 2
    with service.repository.session() as session:
        events = session.query(DownloadEvent).all()
        assert {(str(e.image_id), e.user_id, e.format) for e in events} == {
            (made.image_id, "owner", "instagram_story")
        }


def test_each_format_and_encoding_is_its_own_stored_card(
    service: CosmicImages, renders: list[tuple[int, int]]
) -> None:
    made = service.generate_daily_energy(OWNER, ENERGY)
    for card_format in CardFormat:
        assert decoded(service.share_card(OWNER, made.image_id, card_format))[0] == (
            card_format.size
        )
    assert decoded(service.share_card(OWNER, made.image_id, "1080x1350", encoding="jpeg")) == (
        (1080, 1350),
        "JPEG",
    )
    assert decoded(service.share_card(OWNER, made.image_id, (900, 900), encoding="webp")) == (
        (900, 900),
        "WEBP",
    )
    keys = card_keys(service, made.image_id)
    assert len(keys) == 6 and len(renders) == 6
    assert sum(k.endswith(".jpg") for k in keys) == 1
    assert sum(k.endswith(".webp") for k in keys) == 1
    with service.repository.session() as session:
        formats = {e.format for e in session.query(DownloadEvent)}
    assert formats == {f.value for f in CardFormat} | {"1080x1350", "900x900"}


def test_the_free_tier_is_not_entitled_and_nothing_is_written(service: CosmicImages) -> None:
    shared = service.generate_daily_energy(OWNER, {"sign": "leo", "personalized": False})
    assert service.get_image(FREE, shared.image_id).shared  # free users may see it...
    with pytest.raises(NotEntitled) as refused:
        service.share_card(FREE, shared.image_id, "instagram_square")  # ...not card it
    assert refused.value.required_tier == "cosmic"
    assert service.repository.count(DownloadEvent) == 0
    assert card_keys(service, shared.image_id) == []


def test_another_users_private_image_is_not_found(service: CosmicImages) -> None:
    mine = service.generate_compatibility(
        OWNER, {"user1": {"sign": "aries"}, "user2": {"sign": "libra"}, "compatibilityScore": 85}
    )
    with pytest.raises(NotFound):
        service.share_card(STRANGER, mine.image_id, "twitter")
    with pytest.raises(NotFound):
        service.share_card(STRANGER, str(uuid.uuid4()), "twitter")
    assert service.repository.count(DownloadEvent) == 0
    assert card_keys(service, mine.image_id) == []
    # A shared image is anyone's; an admin reads everything.
    shared = service.generate_daily_energy(OWNER, {"sign": "leo", "personalized": False})
    assert decoded(service.share_card(STRANGER, shared.image_id, "twitter"))[0] == (1200, 675)
    assert decoded(service.share_card(ADMIN, mine.image_id, "facebook"))[0] == (1200, 630)


def test_bad_arguments_are_invalid_requests_before_any_work(service: CosmicImages) -> None:
    made = service.generate_daily_energy(OWNER, ENERGY)
    for card_format, encoding, field in [
        ("poster", "png", "format"),
        ("instagram_story", "gif", "encoding"),
        ("9x9", "png", "format"),
    ]:
        with pytest.raises(InvalidRequest) as caught:
            service.share_card(OWNER, made.image_id, card_format, encoding=encoding)
        assert caught.value.field == field
    with pytest.raises(InvalidRequest) as not_user:
        service.share_card("owner", made.image_id, "twitter")  # type: ignore[arg-type]
    assert not_user.value.field == "user"
    assert service.repository.count(DownloadEvent) == 0


def test_card_data_follows_each_category(service: CosmicImages) -> None:
    universe = User(id="u", tier="universe")
    energy = service.get_image(universe, service.generate_daily_energy(universe, ENERGY).image_id)
    avatar = service.get_image(
        universe,
        service.generate_avatar(
            universe, {"sunSign": "leo", "moonSign": "pisces", "risingSign": "gemini"}
        ).image_id,
    )
    moon = service.get_image(
        universe, service.generate_moon_ritual(universe, {"phase": "full_moon"}).image_id
    )
    zone = service._parts.pipeline.timezone
    e = card_data(energy, SHARE_TEXTS["daily_energy"], zone)
    assert (e.title, e.glyphs, str(e.date), e.energy_level) == (
        "Aries Daily Energy",
        ("\u2648",),
        "2025-01-23",
        8,
    )
    a = card_data(avatar, "", zone)
    assert a.title == "Leo Sun \u00b7 Pisces Moon \u00b7 Gemini Rising"
    assert a.glyphs == ("\u264c", "\u2653", "\u264a") and a.energy_level is None
    m = card_data(moon, SHARE_TEXTS["moon_ritual"], zone)
    assert (m.title, m.glyphs) == ("Full Moon Ritual", ("\U0001f315",))
    assert m.share_text == "Full moon ritual guide \U0001f315 #Manifestation"  # the seed's
    crescent = service.get_image(
        universe, service.generate_moon_ritual(universe, {"phase": "waxing_crescent"}).image_id
    )
    c = card_data(crescent, SHARE_TEXTS["moon_ritual"], zone)
    assert c.share_text == "Waxing crescent ritual guide \U0001f312 #Manifestation"
    assert c.glyphs == ("\U0001f312",)


def test_share_texts_are_the_seeds_unless_the_host_overrides_them(
    make_service: ServiceFactory,
) -> None:
    plain = make_service()
    assert plain.share_text("daily_energy") == "My cosmic energy today! \u2728 #CosmicCoach"
    assert plain.share_text("moon_ritual") == "Full moon ritual guide \U0001f315 #Manifestation"
    assert plain.share_text("moon_ritual", MoonPhase.NEW_MOON) == (
        "New moon ritual guide \U0001f311 #Manifestation"
    )
    made = plain.generate_daily_energy(OWNER, ENERGY)
    before = plain.share_card(OWNER, made.image_id, "twitter")
    plain.close()
    custom = make_service(
        share_texts={"daily_energy": "Mein Tag \u2728 #Kosmos", "avatar": "{odd} {0} {"}
    )
    assert custom.share_text("daily_energy") == "Mein Tag \u2728 #Kosmos"
    assert custom.share_text("avatar") == "{odd} {0} {"  # stray braces are kept as written
    assert custom.share_text("compatibility") == SHARE_TEXTS["compatibility"]
    after = custom.share_card(OWNER, made.image_id, "twitter")
    assert after != before
    assert len(card_keys(custom, made.image_id)) == 2  # the old card is not served for the new


def test_the_brand_text_and_colours_come_from_settings(make_service: ServiceFactory) -> None:
    plain = make_service()
    made = plain.generate_daily_energy(OWNER, ENERGY)
    before = plain.share_card(OWNER, made.image_id, "facebook")
    plain.close()
    branded = make_service(brand_text="Made with Starlight", brand_accent="#33CCFF")
    assert branded.share_card(OWNER, made.image_id, "facebook") != before


def test_a_missing_card_font_is_a_configuration_error_at_start(
    make_service: ServiceFactory, tmp_path: Path
) -> None:
    from cosmic_images import ConfigurationError

    with pytest.raises(ConfigurationError, match="COSMIC_IMAGES_CARD_FONT"):
        make_service(card_font=tmp_path / "nope.ttf")


def test_fpng_cards_hold_the_same_pixels(make_service: ServiceFactory) -> None:
    plain = make_service()
    made = plain.generate_daily_energy(OWNER, ENERGY)
    slow = plain.share_card(OWNER, made.image_id, "instagram_story")
    plain.close()
    fast = make_service(card_png_encoder="fpng").share_card(OWNER, made.image_id, "instagram_story")
    assert fast != slow
    with Image.open(BytesIO(slow)) as a, Image.open(BytesIO(fast)) as b:
        assert a.convert("RGB").tobytes() == b.convert("RGB").tobytes()


def test_unreadable_stored_bytes_are_a_backend_error_not_a_bad_request(
    service: CosmicImages,
) -> None:
    made = service.generate_daily_energy(OWNER, ENERGY)
    record = service.get_image(OWNER, made.image_id)
    service.blobs.put(record.blob_key, b"\x89PNG truncated", "image/png")
    with pytest.raises(BackendUnavailable) as broken:
        service.share_card(OWNER, made.image_id, "twitter")
    assert broken.value.transient is False
    assert service.repository.count(DownloadEvent) == 0
    service.blobs.delete(record.blob_key)
    with pytest.raises(NotFound):
        service.share_card(OWNER, made.image_id, "twitter")


def test_cleanup_removes_the_cards_of_removed_images_only(make_service: ServiceFactory) -> None:
    svc = make_service()
    gone = svc.generate_daily_energy(OWNER, ENERGY)
    kept = svc.generate_daily_energy(OWNER, {**ENERGY, "sign": "leo"})
    for made in (gone, kept):
        svc.share_card(OWNER, made.image_id, "twitter")
    old = time.time() - 7200  # past the hour of grace
    for key in card_keys(svc, gone.image_id) + card_keys(svc, kept.image_id):
        path = Path(os.environ["COSMIC_IMAGES_DATA_DIR"]) / "images" / key
        os.utime(path, (old, old))
    svc.repository.delete_images([gone.image_id])
    gone_card = card_keys(svc, gone.image_id)
    report = svc.cleanup(ADMIN)
    assert set(gone_card) <= set(report.orphan_blobs)
    assert card_keys(svc, gone.image_id) == []
    assert len(card_keys(svc, kept.image_id)) == 1
    assert not any(key.startswith(f"cards/{kept.image_id}") for key in report.orphan_blobs)


# --- the command line ---------------------------------------------------------------------------

runner = CliRunner()


def test_the_card_command_writes_one_card(make_service: ServiceFactory, tmp_path: Path) -> None:
    made = make_service().generate_daily_energy(OWNER, ENERGY)
    out = tmp_path / "card.png"
    result = runner.invoke(
        app, ["card", made.image_id, "--format", "instagram_story", "--output", str(out), "--json"]
    )
    assert result.exit_code == 0, result.output
    [written] = json.loads(result.stdout)["data"]["cards"]
    assert written == {
        "path": str(out),
        "format": "instagram_story",
        "size": "1080x1920",
        "width": 1080,
        "height": 1920,
        "bytes": out.stat().st_size,
        "encoding": "png",
    }
    assert decoded(out.read_bytes()) == ((1080, 1920), "PNG")
    table = runner.invoke(app, ["card", made.image_id, "--output", str(tmp_path / "c.webp")])
    assert table.exit_code == 0 and "1080x1080" in table.stdout
    assert decoded((tmp_path / "c.webp").read_bytes()) == ((1080, 1080), "WEBP")


def test_the_card_command_writes_all_formats(make_service: ServiceFactory, tmp_path: Path) -> None:
    made = make_service().generate_daily_energy(OWNER, ENERGY)
    folder = tmp_path / "cards"
    folder.mkdir()
    result = runner.invoke(
        app, ["card", made.image_id, "--all-formats", "--output-dir", str(folder), "--json"]
    )
    assert result.exit_code == 0, result.output
    cards = json.loads(result.stdout)["data"]["cards"]
    assert [c["format"] for c in cards] == [f.value for f in CardFormat]
    for item, card_format in zip(cards, CardFormat, strict=True):
        assert decoded(Path(item["path"]).read_bytes())[0] == card_format.size


@pytest.mark.parametrize(
    ("args", "code", "field"),
    [
        (["--format", "poster"], 2, "format"),
        (["--all-formats"], 2, "outputDir"),
        (["--output-dir", "."], 2, "outputDir"),
        (["--encoding", "gif"], 2, "encoding"),
        (["--user-id", "someone", "--tier", "free"], 1, None),
        (["--user-id", "stranger"], 1, None),
    ],
)
def test_the_card_command_refuses_bad_input_and_readers(
    make_service: ServiceFactory, args: list[str], code: int, field: str | None
) -> None:
    made = make_service().generate_daily_energy(OWNER, ENERGY)
    result = runner.invoke(app, ["card", made.image_id, *args, "--json"])
    assert result.exit_code == code, result.output
    error = json.loads(result.stdout)["error"]
    assert error.get("field") == field
    assert error["code"] in {"invalid_request", "not_entitled", "not_found"}
    assert "Traceback" not in result.output


# --- found in review ------------------------------------------------------------------------


def test_threads_asking_for_one_card_render_it_once(
    make_service: ServiceFactory, renders: list[tuple[int, int]]
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    svc = make_service()
    made = svc.generate_daily_energy(OWNER, ENERGY)
    with ThreadPoolExecutor(8) as pool:
        cards = list(pool.map(lambda _: svc.share_card(OWNER, made.image_id, "twitter"), range(8)))
    assert len(set(cards)) == 1
    assert renders == [(1200, 675)]
    assert svc.repository.count(DownloadEvent) == 8


def test_share_text_braces_are_never_formatted(make_service: ServiceFactory) -> None:
    svc = make_service(share_texts={"avatar": "{phase.upper} {{x}} {phase:>99}", "x": "{phase}"})
    assert svc.share_text("avatar") == "{phase.upper} {{x}} {phase:>99}"
    assert svc.share_text("x", "waning_gibbous") == "Waning gibbous"


def test_a_card_font_that_is_no_font_fails_at_start(
    make_service: ServiceFactory, tmp_path: Path
) -> None:
    from cosmic_images import ConfigurationError

    bad = tmp_path / "font.woff2"
    bad.write_bytes(b"wOF2 but not really a font")
    with pytest.raises(ConfigurationError, match="COSMIC_IMAGES_CARD_FONT"):
        make_service(card_font=bad)


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--format", "nope/x"], "format"),
        (["--output", "card.gif"], "output"),
        (["--output", "card.jpg", "--encoding", "png"], "encoding"),
    ],
)
def test_the_card_command_checks_names_before_any_card(
    make_service: ServiceFactory, args: list[str], field: str
) -> None:
    svc = make_service()
    made = svc.generate_daily_energy(OWNER, ENERGY)
    result = runner.invoke(app, ["card", made.image_id, *args, "--json"])
    assert result.exit_code == 2, result.output
    assert json.loads(result.stdout)["error"]["field"] == field
    assert svc.repository.count(DownloadEvent) == 0


def test_all_formats_checks_every_file_before_writing_any(
    make_service: ServiceFactory, tmp_path: Path
) -> None:
    svc = make_service()
    made = svc.generate_daily_energy(OWNER, ENERGY)
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / f"{made.image_id}-twitter.png").mkdir()  # a folder where a card would go
    result = runner.invoke(
        app, ["card", made.image_id, "--all-formats", "--output-dir", str(folder), "--json"]
    )
    assert result.exit_code == 2, result.output
    assert json.loads(result.stdout)["error"]["field"] == "output"
    assert [p.name for p in folder.iterdir()] == [f"{made.image_id}-twitter.png"]
    assert svc.repository.count(DownloadEvent) == 0
