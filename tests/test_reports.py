"""The cost report: every figure of a known mix checked against values computed here, to the
cent; the CSV adds up to the JSON; days follow the business time zone; the rollups."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from PIL import Image
from typer.testing import CliRunner

from cosmic_images import ContentRejected, CosmicImages, InvalidRequest, ProviderUnavailable, User
from cosmic_images.cli import app
from cosmic_images.ledger.entries import Attempt, LedgerEntry, Outcome
from cosmic_images.storage.models import LedgerDaily

from .conftest import ServiceFactory
from .fake_openai import FakeImagesAPI, Reply

UNIVERSE = User(id="uni", tier="universe")
COSMIC = User(id="cos", tier="cosmic")
OTHER_COSMIC = User(id="cos2", tier="cosmic")
ADMIN = User(id="ops", tier="free", is_admin=True)


def per_million(
    text_in: int, image_in: int, image_out: int, prices: tuple[int, int, int]
) -> Decimal:
    """Token cost at dollars per million tokens, computed independently of the package."""
    micro = text_in * prices[0] + image_in * prices[1] + image_out * prices[2]
    return Decimal(micro) / Decimal(1_000_000)


GPT_IMAGE_2 = (5, 8, 30)


def usage(text: int, image_in: int, image_out: int) -> dict[str, Any]:
    return {
        "input_tokens": text + image_in,
        "input_tokens_details": {"text_tokens": text, "image_tokens": image_in},
        "output_tokens": image_out,
        "output_tokens_details": {"image_tokens": image_out, "text_tokens": 0},
        "total_tokens": text + image_in + image_out,
    }


def services(
    make_service: ServiceFactory, api: FakeImagesAPI, tmp_path: Path
) -> tuple[CosmicImages, CosmicImages]:
    """Two hosts on one database: one on gpt-image-2 (with the procedural fallback), one on
    dall-e-3 (without)."""
    common: dict[str, Any] = {
        "provider": "openai",
        "openai_api_key": "sk-test",
        "openai_base_url": api.url,
        "image_provider": None,
        "max_retries": 0,
        "request_timeout": 1.0,
    }
    url = f"sqlite:///{tmp_path / 'report.db'}"
    gpt = make_service(url, **common, fallback_provider="procedural")
    dalle = make_service(url, **common, openai_model="dall-e-3")
    return gpt, dalle


def test_every_figure_of_a_known_mix_to_the_cent(
    make_service: ServiceFactory, fake_openai: FakeImagesAPI, tmp_path: Path
) -> None:
    gpt, dalle = services(make_service, fake_openai, tmp_path)
    api = fake_openai
    # 1. gpt-image-2, hd (universe), portrait moon ritual: token priced.
    api.enqueue(Reply.image(usage=usage(150, 10, 4160)))
    gpt.generate_moon_ritual(UNIVERSE, {"phase": "full_moon"})
    # 2. gpt-image-2, standard (cosmic), square daily energy; then a cache hit for another user.
    api.enqueue(Reply.image(usage=usage(120, 0, 1056)))
    body = {"sign": "leo", "energyLevel": 7, "mood": "calm"}
    gpt.generate_daily_energy(COSMIC, body)
    assert gpt.generate_daily_energy(OTHER_COSMIC, body).cached
    # 3. dall-e-3: standard landscape compatibility ($0.080), hd portrait moon ritual ($0.120).
    api.enqueue(Reply.url(api.serve_file("a.png", _png())))
    dalle.generate_compatibility(
        COSMIC, {"user1": {"sign": "aries"}, "user2": {"sign": "libra"}, "compatibilityScore": 85}
    )
    api.enqueue(Reply.url(api.serve_file("b.png", _png())))
    dalle.generate_moon_ritual(UNIVERSE, {"phase": "new_moon"})
    # 4. dall-e-3 made an image whose URL expired before we fetched it: paid, no image.
    api.enqueue(Reply.url(api.serve_file("gone.png", b"", expired=True)))
    with pytest.raises(ProviderUnavailable):
        dalle.generate_daily_energy(COSMIC, {"sign": "virgo", "energyLevel": 2, "mood": "calm"})
    # 5. A content rejection (gpt-image-2): no image, no cost.
    api.enqueue(Reply.error(400, "moderation_blocked", "rejected by the safety system"))
    with pytest.raises(ContentRejected):
        gpt.generate_moon_ritual(UNIVERSE, {"phase": "last_quarter"})
    # 6. A call that timed out after it was sent (possibly billed); the fallback answered.
    api.enqueue(Reply(stall=10.0, body=Reply.image().body))
    stand_in = gpt.generate_moon_ritual(UNIVERSE, {"phase": "first_quarter"})
    assert stand_in.fallback and stand_in.cost == 0

    token_hd = per_million(150, 10, 4160, GPT_IMAGE_2)
    token_std = per_million(120, 0, 1056, GPT_IMAGE_2)
    # The seed's table: dall-e-3 standard 1792x1024 $0.080, hd 1024x1792 $0.120, and the lost
    # daily energy, standard 1024x1024, $0.040.
    dalle_std, dalle_hd, dalle_lost = Decimal("0.08"), Decimal("0.12"), Decimal("0.04")
    total = token_hd + token_std + dalle_std + dalle_hd + dalle_lost
    images = 5  # two gpt-image-2, two dall-e-3, one stand-in

    report = gpt.cost_report(7)
    data = report.to_api()["data"]
    today = gpt.today()
    assert data["period"] == {
        "start": (today - dt.timedelta(days=6)).isoformat(),
        "end": today.isoformat(),
        "days": 7,
    }
    assert report.total.cost == total
    assert data["totalCost"] == float(total)
    assert round(data["totalCost"], 2) == float(total.quantize(Decimal("0.01")))
    assert data["totalImages"] == images
    assert data["totalCalls"] == 8  # + the lost image, the rejection, the timed-out call
    assert Decimal(str(data["avgCostPerImage"])) == (total / images).quantize(Decimal("1e-8"))
    assert Decimal(str(data["estimatedMonthlyCost"])) == (total / 7 * 30).quantize(Decimal("0.01"))
    breakdown = {(b["category"], b["model"], b["quality"]): b for b in data["breakdown"]}
    assert {k: (b["images"], Decimal(str(b["cost"]))) for k, b in breakdown.items()} == {
        ("moon_ritual", "gpt-image-2", "high"): (1, token_hd),
        ("daily_energy", "gpt-image-2", "medium"): (1, token_std),
        ("compatibility", "dall-e-3", "standard"): (1, dalle_std),
        ("moon_ritual", "dall-e-3", "hd"): (1, dalle_hd),
        ("daily_energy", "dall-e-3", None): (0, dalle_lost),
        ("moon_ritual", "gpt-image-2", None): (0, Decimal(0)),  # rejected, timed out
        ("moon_ritual", "procedural-v2", "hd"): (1, Decimal(0)),
    }
    assert data["fallbacks"] == {"images": 1}
    assert data["possiblyBilled"] == {"calls": 1}
    assert data["failures"] == {
        "failed": {"calls": 2, "images": 0, "cost": float(dalle_lost)},
        "rejected": {"calls": 1, "images": 0, "cost": 0.0},
        "lost": {"calls": 0, "images": 0, "cost": 0.0},
    }
    # Requests answered: five made an image (misses, the stand-in too), one was the cache's;
    # the three that failed answered nothing and are not counted.
    assert data["cacheStats"]["hits"] == 1
    assert data["cacheStats"]["misses"] == 5
    assert data["cacheStats"]["hitRatePercent"] == f"{100 / 6:.1f}%"
    assert [d["date"] for d in data["byDay"]][-1] == today.isoformat()
    assert Decimal(str(data["byDay"][-1]["cost"])) == total
    # The CSV adds up to the JSON.
    rows = list(csv.DictReader(io.StringIO(report.to_csv())))
    assert sum(Decimal(r["cost"]) for r in rows) == total
    assert sum(int(r["images"]) for r in rows) == images
    assert sum(int(r["calls"]) for r in rows) == 8
    assert {r["date"] for r in rows} == {today.isoformat()}
    # The seed's text.
    text = report.to_text()
    assert text.splitlines()[0] == (
        f"Weekly Image Generation Report ({today - dt.timedelta(days=6)} to {today})"
    )
    assert f"Total Cost: ${total.quantize(Decimal('0.01'))}" in text
    assert "Total Images: 5" in text and "Possibly Billed (timed out after sending): 1" in text


def _png() -> bytes:
    from .fake_openai import png_bytes

    return png_bytes((90, 40, 120))


def test_days_follow_the_business_time_zone(make_service: ServiceFactory) -> None:
    svc = make_service(timezone="America/New_York")
    zone = ZoneInfo("America/New_York")
    late = dt.datetime(2025, 1, 22, 23, 30, tzinfo=zone)  # 04:30 UTC on the 23rd
    early = dt.datetime(2025, 1, 23, 0, 30, tzinfo=zone)
    paid = Attempt(
        provider="openai", model="dall-e-3", outcome=Outcome.FAILED, cost=Decimal("0.04")
    )
    for when in (late, early, early):
        svc.repository.record_entries(
            (LedgerEntry(user_id="u", category="avatar", attempt=paid),), now=when
        )
    days = {
        r.day: r.calls for r in svc.repository.rollup_rows(dt.date(2025, 1, 1), dt.date(2025, 2, 1))
    }
    assert days == {dt.date(2025, 1, 22): 1, dt.date(2025, 1, 23): 2}
    assert svc.repository.spend(dt.date(2025, 1, 23), dt.date(2025, 1, 23)) == Decimal("0.08")


def test_rollups_match_the_ledger_and_are_rebuilt_after_an_upgrade(
    service: CosmicImages,
) -> None:
    for sign in ("aries", "leo", "virgo"):
        service.generate_daily_energy(UNIVERSE, {"sign": sign, "energyLevel": 5, "mood": "calm"})
    entry = Attempt(
        provider="openai",
        model="gpt-image-2",
        outcome=Outcome.FAILED,
        cost=Decimal("0.00000123"),
        possibly_billed=True,
    )
    service.repository.record_entries(
        (LedgerEntry(user_id="u", category="avatar", attempt=entry),) * 3,
        now=dt.datetime.now(dt.UTC),
    )
    before = service.cost_report(1).to_api()["data"]
    assert Decimal(str(before["totalCost"])) == Decimal("0.00000369")
    assert before["possiblyBilled"] == {"calls": 3}
    with service.repository.session() as session, session.begin():  # as before migration 0007
        session.query(LedgerDaily).delete()
    assert service.repository.rollups_missing()
    assert service.cost_report(1).to_api()["data"]["totalCalls"] == 0
    report = service.cleanup(ADMIN)
    assert report.rollup_entries == 6
    assert service.cost_report(1).to_api()["data"] == before
    assert service.cleanup(ADMIN).rollup_entries == 0  # once


runner = CliRunner()


def test_the_report_command_in_every_form(make_service: ServiceFactory, tmp_path: Path) -> None:
    svc = make_service()
    svc.generate_daily_energy(UNIVERSE, {"sign": "aries", "energyLevel": 5, "mood": "calm"})
    svc.generate_daily_energy(UNIVERSE, {"sign": "aries", "energyLevel": 5, "mood": "calm"})
    as_json = runner.invoke(app, ["report", "--days", "7", "--json"])
    assert as_json.exit_code == 0, as_json.output
    data = json.loads(as_json.stdout)["data"]
    assert (data["totalImages"], data["cacheStats"]["hits"]) == (1, 1)
    as_csv = runner.invoke(app, ["report", "--csv"])
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert Counter(r["outcome"] for r in rows) == Counter({"generated": 1})
    text = runner.invoke(app, ["report", "--text"])
    assert text.stdout.startswith("Weekly Image Generation Report (")
    chart = tmp_path / "cost.png"
    table = runner.invoke(app, ["report", "--days", "30", "--chart", str(chart)])
    assert table.exit_code == 0 and "Total Images: 1" in table.stdout
    with Image.open(chart) as picture:
        assert picture.size == (1200, 600)
    for bad in (["--days", "0"], ["--days", "400"], ["--days", "x"]):
        refused = runner.invoke(app, ["report", *bad, "--json"])
        assert refused.exit_code == 2
        assert json.loads(refused.stdout)["error"]["field"] == "days"


def test_rollups_partly_missing_are_rebuilt(service: CosmicImages) -> None:
    paid = Attempt(provider="x", model="m", outcome=Outcome.FAILED, cost=Decimal("0.04"))
    now = dt.datetime.now(dt.UTC)
    service.repository.record_entries(
        (LedgerEntry(user_id="u", category="a", attempt=paid),), now=now
    )
    with service.repository.session() as session, session.begin():  # as before migration 0007
        session.query(LedgerDaily).delete()
    service.repository.record_entries(
        (LedgerEntry(user_id="u", category="a", attempt=paid),), now=now
    )
    assert service.repository.spend(service.today(), service.today()) == Decimal("0.04")
    assert service.repository.rollups_missing()
    assert service.cleanup(ADMIN).rollup_entries == 2
    assert service.repository.spend(service.today(), service.today()) == Decimal("0.08")


def test_report_formats_are_exclusive_and_a_bad_chart_path_is_invalid(
    make_service: ServiceFactory, tmp_path: Path
) -> None:
    svc = make_service()
    both = runner.invoke(app, ["report", "--csv", "--json"])
    assert both.exit_code == 2
    with pytest.raises(InvalidRequest) as bad:
        svc.cost_report(7).chart(tmp_path / "no" / "such" / "folder" / "c.png")
    assert bad.value.field == "chart"
