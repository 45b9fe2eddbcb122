"""Every public method of the facade, called with generated arguments (huge ints, wrong types,
odd strings, far dates, half-right request bodies): only CosmicImagesError subclasses come out.
"""

from __future__ import annotations

import datetime as dt
import inspect
import io
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from cosmic_images import CosmicImages, CosmicImagesError, User

from .conftest import ServiceFactory
from .strategies import (
    PHASE_NAMES,
    SIGN_NAMES,
    WORDS,
    avatar_bodies,
    compatibility_bodies,
    daily_bodies,
    moon_bodies,
)

huge = st.integers(min_value=-(2**80), max_value=2**80)
junk: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    st.booleans(),
    huge,
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.binary(max_size=8),
    st.dates(min_value=dt.date(1, 1, 1)),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)
far_date = st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)).map(
    dt.date.isoformat
)
sign = st.one_of(st.sampled_from(SIGN_NAMES), st.text(max_size=12), junk)
date = st.one_of(far_date, st.dates(min_value=dt.date(2020, 1, 1)).map(str), junk)
level = st.one_of(st.integers(min_value=-3, max_value=13), huge, junk)
phrase = st.one_of(st.sampled_from(WORDS), st.text(max_size=60), junk)
birth = st.fixed_dictionaries(
    {},
    optional={
        "date": date,
        "time": st.one_of(st.times().map(lambda t: t.strftime("%H:%M")), junk),
        "latitude": st.one_of(st.floats(-100, 100), junk),
        "longitude": st.one_of(st.floats(-200, 200), junk),
        "timezone": st.one_of(st.sampled_from(["UTC", "Europe/London", "Mars/Base"]), junk),
    },
)
BODIES: dict[str, st.SearchStrategy[dict[str, Any]]] = {
    "generate_daily_energy": st.fixed_dictionaries(
        {"sign": sign},
        optional={
            "date": date,
            "energyLevel": level,
            "mood": phrase,
            "focus": phrase,
            "personalized": junk,
        },
    ),
    "generate_avatar": st.fixed_dictionaries(
        {},
        optional={
            "sunSign": sign,
            "moonSign": sign,
            "risingSign": sign,
            "traits": st.one_of(st.lists(phrase, max_size=6), junk),
            "version": level,
            "birth": st.one_of(birth, junk),
        },
    ),
    "generate_compatibility": st.fixed_dictionaries(
        {
            "user1": st.one_of(st.fixed_dictionaries({"sign": sign}), junk),
            "user2": st.one_of(st.fixed_dictionaries({"sign": sign}), junk),
            "compatibilityScore": st.one_of(st.integers(-5, 105), huge, junk),
        }
    ),
    "generate_moon_ritual": st.fixed_dictionaries(
        {},
        optional={"phase": st.one_of(st.sampled_from(PHASE_NAMES), junk), "date": date},
    ),
}
real_users = st.builds(
    User,
    id=st.sampled_from(["u1", "u2", "someone@example.com"]),
    tier=st.sampled_from(["free", "cosmic", "universe", "universe", "nobody"]),
    is_admin=st.booleans(),
)


def mostly(real: st.SearchStrategy[Any], other: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """``real`` three times in four (one_of would flatten ``other``'s many branches)."""
    return st.integers(0, 3).flatmap(lambda i: other if i == 0 else real)


users = mostly(real_users, junk)
body_or_junk = st.one_of(*BODIES.values(), junk)
image_ids = mostly(st.uuids().map(str), st.one_of(st.text(max_size=50), junk))

EXISTING = "<a shared image that exists>"  # replaced by a real id when called
VALID = {
    "generate_daily_energy": daily_bodies,
    "generate_avatar": avatar_bodies,
    "generate_compatibility": compatibility_bodies,
    "generate_moon_ritual": moon_bodies,
}
ARGUMENTS: dict[str, st.SearchStrategy[tuple[Any, ...]]] = {
    **{
        name: st.tuples(users, mostly(VALID[name], st.one_of(body, junk)))
        for name, body in BODIES.items()
    },
    "generate_group": st.tuples(
        users,
        st.one_of(
            st.fixed_dictionaries(
                {"signs": st.lists(sign, max_size=7), "score": st.one_of(level, huge, junk)}
            ),
            junk,
        ),
    ),
    "generate": st.tuples(
        users,
        st.one_of(st.sampled_from(["daily_energy", "avatar", "moon_ritual", "tarot"]), junk),
        body_or_junk,
    ),
    "gallery": st.tuples(
        users, mostly(st.integers(-5, 120), st.one_of(huge, junk)), mostly(huge, junk)
    ),
    "get_image": st.tuples(users, image_ids),
    "share_card": st.tuples(
        users,
        st.one_of(st.just(EXISTING), image_ids),
        mostly(
            st.one_of(
                st.sampled_from(["instagram_square", "instagram_story", "twitter", "facebook"]),
                st.tuples(st.integers(0, 5000), st.integers(0, 5000)).map(
                    lambda s: f"{s[0]}x{s[1]}"
                ),
                st.tuples(st.integers(-10, 5000), st.integers(-10, 5000)),
            ),
            junk,
        ),
    ),
    "record_share": st.tuples(
        users,
        st.one_of(st.just(EXISTING), image_ids),
        mostly(st.sampled_from(["instagram", "x", "facebook"]), junk),
    ),
    "record_download": st.tuples(
        users, st.one_of(st.just(EXISTING), image_ids), mostly(st.just("original"), junk)
    ),
    "record_view": st.tuples(users, st.one_of(st.just(EXISTING), image_ids)),
    "edit_image": st.tuples(
        users,
        st.one_of(st.just(EXISTING), image_ids),
        mostly(st.sampled_from(["more purple", "more stars", "softer", "make it gold"]), phrase),
    ),
    "favorite": st.tuples(users, st.one_of(st.just(EXISTING), image_ids)),
    "unfavorite": st.tuples(users, st.one_of(st.just(EXISTING), image_ids)),
    "engagement": st.tuples(users, st.one_of(st.just(EXISTING), image_ids)),
    "viral_images": st.tuples(users),
    "dashboard": st.tuples(users),
    "budget_status": st.tuples(),
    "block_user": st.tuples(
        users, mostly(st.sampled_from(["u1", "u2"]), junk), mostly(st.just("spam"), junk)
    ),
    "unblock_user": st.tuples(users, mostly(st.sampled_from(["u1", "u2"]), junk)),
    "project_month": st.tuples(
        mostly(st.integers(-5, 10**6), st.one_of(huge, junk)),
        mostly(st.just("free=0.3,cosmic=0.5,universe=0.2"), st.one_of(st.text(max_size=30), junk)),
        mostly(st.floats(0, 1), junk),
    ),
    "export_ledger": st.tuples(users, mostly(st.just("2025-01-01"), junk), st.just(io.StringIO())),
    "on_budget_alert": st.tuples(mostly(st.just(print), junk)),
    "cost_report": st.tuples(mostly(st.integers(-5, 400), st.one_of(huge, junk))),
    "share_text": st.tuples(
        st.one_of(st.sampled_from(["daily_energy", "avatar", "group", "tarot"]), junk),
        mostly(st.sampled_from(PHASE_NAMES), junk),
    ),
    "image_bytes": st.tuples(users, image_ids),
    "usage_stats": st.tuples(users),
    "sweep_reservations": st.tuples(users),
    "cleanup": st.tuples(users),
    "batch_generate": st.tuples(mostly(st.just("2025-01-23"), st.one_of(far_date, junk))),
    "cache_stats": st.tuples(mostly(st.integers(-5, 400), st.one_of(huge, junk))),
    "require_admin": st.tuples(users),
    "cache_key": st.tuples(junk),
    "end_user": st.tuples(st.one_of(st.text(max_size=20), junk)),
    "today": st.tuples(),
    "window": st.tuples(),
}


def test_every_public_method_is_covered() -> None:
    public = {
        name
        for name, member in inspect.getmembers(CosmicImages)
        if not name.startswith("_") and callable(member) and not isinstance(member, property)
    }
    lifecycle = {"from_settings", "close"}
    assert public - lifecycle == set(ARGUMENTS)


@pytest.mark.slow
@pytest.mark.parametrize("method", sorted(ARGUMENTS))
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_only_our_errors_come_out(
    make_service: ServiceFactory, method: str, data: st.DataObject
) -> None:
    svc = _service(make_service)
    call: Callable[..., Any] = getattr(svc, method)
    arguments = tuple(
        _existing(svc) if a == EXISTING else a
        for a in data.draw(ARGUMENTS[method], label="arguments")
    )
    outcome: CosmicImagesError | None = None
    try:
        call(*arguments)
    except CosmicImagesError as error:  # anything else fails the test
        outcome = error
    event(type(outcome).__name__ if outcome else "answered")
    if outcome is not None:
        assert outcome.to_api()["error"]["code"] == type(outcome).code
        assert 400 <= outcome.http_status <= 599


_current: list[tuple[ServiceFactory, CosmicImages]] = []


def _existing(svc: CosmicImages) -> str:
    """A shared image everyone may read, made once per service."""
    maker = User(id="maker", tier="cosmic", is_admin=True)  # admins have no request rate
    made = svc.generate_daily_energy(maker, {"sign": "virgo"})
    return made.image_id


def _service(make_service: ServiceFactory) -> CosmicImages:
    """One service per test (the factory closes it afterwards), reused by every example."""
    if not _current or _current[0][0] is not make_service:
        _current[:] = [(make_service, make_service())]
    return _current[0][1]
