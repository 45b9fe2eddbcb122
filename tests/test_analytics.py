"""Engagement: events for readers only, idempotent favourites, viral images, the dashboard,
and several processes recording at once without losing an event."""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from cosmic_images import CosmicImages, InvalidRequest, NotEntitled, NotFound, User
from cosmic_images.cli import app
from cosmic_images.ledger.entries import Attempt, LedgerEntry, Outcome
from cosmic_images.storage import make_engine
from cosmic_images.storage.models import Favorite, ShareEvent

from . import analytics_worker

OWNER = User(id="owner", tier="cosmic")
STRANGER = User(id="stranger", tier="universe")
FREE = User(id="free", tier="free")
ADMIN = User(id="ops", tier="free", is_admin=True)
PRIVATE = {"sign": "aries", "energyLevel": 8, "mood": "calm"}


def share_times(svc: CosmicImages, image_id: str, when: dt.datetime, count: int) -> None:
    """``count`` shares of an image by different users at ``when`` (for the 24-hour window)."""
    with svc.repository.session() as session, session.begin():
        session.add_all(
            ShareEvent(image_id=uuid.UUID(image_id), user_id=f"u{i}", platform="x", shared_at=when)
            for i in range(count)
        )


def test_events_are_for_readers_only(service: CosmicImages) -> None:
    mine = service.generate_daily_energy(OWNER, PRIVATE).image_id
    service.record_share(OWNER, mine, "Instagram")
    service.record_download(OWNER, mine, "original")
    service.record_view(OWNER, mine)
    assert service.favorite(OWNER, mine) is True
    for act in (
        lambda: service.record_share(STRANGER, mine, "x"),
        lambda: service.record_download(STRANGER, mine, "original"),
        lambda: service.record_view(STRANGER, mine),
        lambda: service.favorite(STRANGER, mine),
        lambda: service.engagement(STRANGER, mine),
        lambda: service.record_share(OWNER, str(uuid.uuid4()), "x"),
    ):
        with pytest.raises(NotFound):
            act()
    counts = service.engagement(OWNER, mine).to_api()["data"]
    assert (counts["shares"], counts["downloads"], counts["views"], counts["favorites"]) == (
        1,
        1,
        1,
        1,
    )
    with pytest.raises(InvalidRequest) as bad:
        service.record_share(OWNER, mine, "my <b>site</b>")
    assert bad.value.field == "platform"
    shared = service.generate_daily_energy(OWNER, {"sign": "leo", "personalized": False})
    service.record_share(FREE, shared.image_id, "facebook")  # anyone may share a shared image
    with pytest.raises(NotEntitled):
        service.record_download(FREE, shared.image_id, "original")  # the free tier has none
    assert service.engagement(FREE, shared.image_id).shares == 1


def test_favourites_are_idempotent_and_show_in_the_gallery(service: CosmicImages) -> None:
    mine = service.generate_daily_energy(OWNER, PRIVATE).image_id
    assert service.favorite(OWNER, mine) is True
    assert service.favorite(OWNER, mine) is False
    assert service.gallery(OWNER).images[0].favorite is True
    assert service.unfavorite(OWNER, mine) is True
    assert service.unfavorite(OWNER, mine) is False
    assert service.gallery(OWNER).images[0].favorite is False
    assert service.engagement(OWNER, mine).favorites == 0


def test_viral_means_fifty_shares_in_the_last_day(service: CosmicImages) -> None:
    now = dt.datetime.now(dt.UTC)
    hot = service.generate_daily_energy(OWNER, {"sign": "leo", "personalized": False}).image_id
    warm = service.generate_daily_energy(OWNER, {"sign": "virgo", "personalized": False}).image_id
    old = service.generate_daily_energy(OWNER, {"sign": "libra", "personalized": False}).image_id
    share_times(service, hot, now - dt.timedelta(hours=2), 127)
    share_times(service, warm, now - dt.timedelta(hours=1), 49)
    share_times(service, old, now - dt.timedelta(hours=25), 80)  # viral yesterday, not today
    share_times(service, old, now - dt.timedelta(hours=3), 10)
    with pytest.raises(NotEntitled):
        service.viral_images(OWNER)
    viral = service.viral_images(ADMIN).to_api()
    assert viral["data"] == [
        {
            "imageId": hot,
            "imageUrl": service.get_image(ADMIN, hot).image_url,
            "category": "daily_energy",
            "sharesLast24h": 127,
            "downloads": 0,
            "views": 0,
            "favorites": 0,
        }
    ]
    assert viral["threshold"] == 50


def test_the_dashboard_in_the_seeds_shape(service: CosmicImages) -> None:
    first = service.generate_daily_energy(OWNER, PRIVATE).image_id
    second = service.generate_avatar(
        STRANGER, {"sunSign": "leo", "moonSign": "leo", "risingSign": "leo"}
    ).image_id
    for _ in range(3):
        service.record_share(OWNER, first, "instagram")
    service.record_share(STRANGER, second, "x")
    service.record_download(OWNER, first, "original")
    service.share_card(OWNER, first, "twitter")  # a download too
    service.record_view(STRANGER, second)
    paid = Attempt(
        provider="openai", model="dall-e-3", outcome=Outcome.FAILED, cost=Decimal("0.04")
    )
    service.repository.record_entries(
        (LedgerEntry(user_id="owner", category="avatar", attempt=paid),),
        now=dt.datetime.now(dt.UTC),
    )
    data = service.dashboard(ADMIN).to_api()["data"]
    assert data["today"] | {"date": None} == {
        "date": None,
        "imagesGenerated": 2,
        "shares": 4,
        "downloads": 2,
        "views": 1,
        "cost": 0.04,
        "refused": {},  # no fair-use limit bit today
    }
    assert data["viral"] == {"count": 0, "images": []}
    assert [(i["imageId"], i["shares"]) for i in data["topPerforming"]] == [(first, 3), (second, 1)]
    assert data["topPerforming"][0]["downloads"] == 2
    by_category = {c["category"]: c for c in data["categories"]}
    assert by_category["daily_energy"]["shares"] == 3
    assert by_category["daily_energy"]["sharesPerImage"] == 3.0
    assert by_category["avatar"]["views"] == 1
    with pytest.raises(NotEntitled):
        service.dashboard(OWNER)


runner = CliRunner()


def test_the_analytics_commands(make_service: Any) -> None:
    svc = make_service()
    image = svc.generate_daily_energy(OWNER, {"sign": "leo", "personalized": False}).image_id
    share_times(svc, image, dt.datetime.now(dt.UTC), 60)
    dashboard = runner.invoke(app, ["analytics", "dashboard", "--json"])
    assert dashboard.exit_code == 0, dashboard.output
    assert json.loads(dashboard.stdout)["data"]["viral"]["count"] == 1
    viral = runner.invoke(app, ["analytics", "viral", "--json"])
    assert json.loads(viral.stdout)["data"][0]["sharesLast24h"] == 60
    table = runner.invoke(app, ["analytics", "dashboard"])
    assert table.exit_code == 0 and "daily_energy" in table.stdout


@pytest.mark.slow
def test_processes_sharing_at_once_lose_nothing(process_settings: dict[str, Any]) -> None:
    from cosmic_images import Settings
    from cosmic_images.testing import CountingProvider

    settings = {**process_settings, "data_dir": Path(process_settings["data_dir"])}
    with CosmicImages.from_settings(Settings(**settings), provider=CountingProvider()) as svc:
        image = svc.generate_daily_energy(OWNER, {"sign": "leo", "personalized": False}).image_id
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        start = manager.Barrier(4)
        with context.Pool(4) as pool:
            sent = pool.starmap(
                analytics_worker.run, [(process_settings, image, p, start) for p in range(4)]
            )
    assert sum(sent) == 4 * analytics_worker.THREADS * analytics_worker.SHARES_PER_THREAD
    engine = make_engine(process_settings["database_url"])
    try:
        with engine.connect() as conn:
            shares = conn.execute(select(func.count()).select_from(ShareEvent)).scalar_one()
            favourites = dict(
                conn.execute(
                    select(Favorite.user_id, func.count()).group_by(Favorite.user_id)
                ).all()
            )
    finally:
        engine.dispose()
    assert shares == sum(sent) == 320
    assert favourites.pop("fan") == 1  # 32 threads favourited it as one user: one row
    assert len(favourites) == 32 and set(favourites.values()) == {1}
