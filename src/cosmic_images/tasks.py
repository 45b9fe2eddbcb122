"""Celery tasks (``pip install 'cosmic-images[celery]'``), for when one machine is not enough.

The tasks are declared with ``@shared_task``, so they attach to whatever Celery app the host
already runs: no broker is forced on anyone, and without the extra nothing here is imported.
Each worker process builds its own service from the environment the first time a task needs
it (after the fork: a pre-forking worker never shares a client or a connection pool).

- ``cosmic_images.batch``: the nightly batch, fanned out as one task per image and gathered by
  a chord into the seed's summary (``success``, ``failed``, ``cached``, ``totalCost``,
  ``durationSeconds``, ``items``). Single flight and the rate limit hold across workers
  because they live in the shared stores.
- ``cosmic_images.batch_item``: one image of the batch.
- ``cosmic_images.generate``: a user's generation, handed off by a web host that polls its
  result (the seed's JSON envelope, an error's too).

``examples/celery_app.py`` is a runnable worker; ``docs/scaling.md`` shows the steps.
"""

from __future__ import annotations

import os
import threading
import time
from decimal import Decimal
from typing import Any

from celery import Task, chord, shared_task

from .batch import checked_horoscopes, parse_horoscopes
from .errors import CosmicImagesError
from .schemas import User, parse_date, parse_signs
from .service import CosmicImages

__all__ = ["batch", "batch_item", "batch_summary", "generate", "service"]

_lock = threading.Lock()
_service: tuple[int, CosmicImages] | None = None


def service() -> CosmicImages:
    """This process's service, built from the environment on first use (after any fork)."""
    global _service
    with _lock:
        if _service is None or _service[0] != os.getpid():
            _service = (os.getpid(), CosmicImages.from_settings())
        return _service[1]


@shared_task(name="cosmic_images.batch", bind=True)
def batch(
    self: Task,
    date: str | None = None,
    signs: list[str] | None = None,
    include_moon_ritual: bool = False,
    horoscopes: dict[str, Any] | None = None,
    popular: int = 0,
) -> Any:
    """Fan the day's batch out, one task per image; the result is the chord's summary."""
    svc = service()
    day = svc.today() if date is None else parse_date(date, "date")
    chosen = parse_signs(signs)
    checked_horoscopes(horoscopes, chosen)  # refuse a bad file before anything is queued
    runner = svc._parts.batch
    jobs = runner.jobs(day, chosen, include_moon_ritual=include_moon_ritual is True)
    refreshed = [item.to_api() for item in runner.refresh_popular(popular)] if popular else []
    header = [batch_item.s(list(job), horoscopes) for job in jobs]
    summary = batch_summary.s(day.isoformat(), time.time(), refreshed)
    raise self.replace(chord(header, summary))


@shared_task(name="cosmic_images.batch_item")
def batch_item(job: list[Any], horoscopes: dict[str, Any] | None = None) -> dict[str, Any]:
    category, subject, body = job
    known = parse_horoscopes(horoscopes) if horoscopes is not None else None
    item = service()._parts.batch.one((str(category), str(subject), dict(body)), known)
    return item.to_api()


@shared_task(name="cosmic_images.batch_summary")
def batch_summary(
    items: list[dict[str, Any]],
    date: str,
    started: float,
    refreshed: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The seed's summary of a batch's items (and the popular pictures kept cached)."""
    items = [*items, *(refreshed or [])]

    def count(status: str) -> int:
        return sum(1 for item in items if item["status"] == status)

    cost = sum((Decimal(i["cost"]) for i in items if i["status"] == "generated"), Decimal(0))
    return {
        "date": date,
        "success": count("generated"),
        "failed": count("failed"),
        "cached": count("cached"),
        "refreshed": count("refreshed"),
        "totalCost": str(cost),
        "durationSeconds": round(time.time() - started, 3),
        "items": items,
    }


@shared_task(name="cosmic_images.generate")
def generate(user_id: str, tier: str, category: str, body: dict[str, Any]) -> dict[str, Any]:
    """A user's generation off the web request: the seed's envelope, success or error."""
    try:
        return service().generate(User(id=user_id, tier=tier), category, body).to_api()
    except CosmicImagesError as error:
        return error.to_api()
