"""The nightly batch: the day's 12 shared daily images (and the moon ritual), made once.

Every item goes through the same cache and single flight as users' requests
(``Pipeline.generate_shared``), so a re-run pays nothing for what exists, a user asking at
00:01 joins the batch's generation instead of paying again, and a run with failures can be
re-run to fill only the gaps. Items run ``concurrency`` at a time; the provider's shared rate
limit (``COSMIC_IMAGES_RATE_LIMIT``) spaces the calls across every process and host.

The content of each sign's image comes from the day's sky, or from the host's horoscope
service: a JSON file with one entry per sign (``{"aries": {"energyLevel": 8, "mood": ...,
"focus": ...}, ...}`` or a list of such objects with ``"sign"``), validated like any request,
covering every sign of the batch. A sign's shared image of the day is keyed by sign and date
alone, so whoever makes it first fixes its content: run the batch before users ask (00:00);
an image a user's request made earlier is reported ``cached`` and kept.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from .errors import CosmicImagesError, InvalidRequest
from .generation import Pipeline
from .images import whole_number
from .prompts import DayProfile
from .schemas import DailyEnergyRequest, parse_date, parse_request, parse_signs
from .zodiac import Category, Sign

__all__ = [
    "BatchItem",
    "BatchJob",
    "BatchReport",
    "BatchRunner",
    "checked_horoscopes",
    "parse_horoscopes",
    "read_horoscopes",
]

BatchJob = tuple[str, str, dict[str, Any]]  # (category, subject, request body)

MAX_CONCURRENCY = 32
MAX_POPULAR = 10_000  # pictures kept cached by --popular, at most


@dataclass(frozen=True, slots=True)
class BatchItem:
    category: str
    subject: str  # the sign, or the day's moon phase
    status: str  # generated | cached | refreshed | failed
    image_id: str | None = None
    cost: Decimal = Decimal("0")
    error: CosmicImagesError | None = None

    def to_api(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "category": self.category,
            "subject": self.subject,
            "status": self.status,
            "imageId": self.image_id,
            "cost": str(self.cost),
        }
        if self.error is not None:
            data["error"] = self.error.to_dict()
        return data


@dataclass(frozen=True, slots=True)
class BatchReport:
    date: dt.date
    items: tuple[BatchItem, ...]
    duration_seconds: float

    def _count(self, status: str) -> int:
        return sum(1 for item in self.items if item.status == status)

    @property
    def succeeded(self) -> int:
        return self._count("generated")

    @property
    def failed(self) -> int:
        return self._count("failed")

    @property
    def cached(self) -> int:
        return self._count("cached")

    @property
    def refreshed(self) -> int:
        return self._count("refreshed")

    @property
    def total_cost(self) -> Decimal:
        return sum((item.cost for item in self.items if item.status == "generated"), Decimal(0))

    def summary(self) -> str:
        """The seed's three lines."""
        return (
            f"Batch generation completed in {self.duration_seconds:.1f}s\n"
            f"Success: {self.succeeded} | Failed: {self.failed} | Cached: {self.cached}\n"
            f"Total cost: ${self.total_cost:.2f}"
        )

    def to_api(self) -> dict[str, Any]:
        return {
            "success": True,
            "data": {
                "date": self.date.isoformat(),
                "success": self.succeeded,
                "failed": self.failed,
                "cached": self.cached,
                "refreshed": self.refreshed,
                "totalCost": str(self.total_cost),
                "durationSeconds": round(self.duration_seconds, 3),
                "items": [item.to_api() for item in self.items],
            },
        }


def read_horoscopes(path: Path) -> dict[Sign, DayProfile]:
    """The host's horoscopes for the day from a JSON file (see :func:`parse_horoscopes`)."""
    try:
        raw = json.loads(Path(path).read_text("utf-8"))
    except OSError as exc:
        raise InvalidRequest(f"input: cannot read {path}: {exc.strerror}", field="input") from exc
    except ValueError as exc:
        raise InvalidRequest(f"input: {path} is not JSON: {exc}", field="input") from exc
    return parse_horoscopes(raw)


def parse_horoscopes(raw: object) -> dict[Sign, DayProfile]:
    """One entry per sign (an object by sign, or a list of objects with ``sign``), each with
    ``energyLevel``, ``mood`` and ``focus`` checked like a request."""
    entries: Iterable[tuple[object, object]]
    if isinstance(raw, Mapping):
        entries = ((sign, body) for sign, body in raw.items())
    elif isinstance(raw, list):
        entries = ((b.get("sign") if isinstance(b, Mapping) else None, b) for b in raw)
    else:
        raise InvalidRequest("input: must be an object by sign or a list of entries", field="input")
    profiles: dict[Sign, DayProfile] = {}
    for sign, body in entries:
        if not isinstance(body, Mapping):
            raise InvalidRequest(f"input.{sign}: must be an object", field=f"input.{sign}")
        fields = {k: v for k, v in body.items() if k != "sign"}
        try:
            request = parse_request(DailyEnergyRequest, {"sign": sign, **fields})
        except InvalidRequest as exc:
            where = f"input.{sign}.{exc.field}" if exc.field else f"input.{sign}"
            raise InvalidRequest(f"{where}: {exc.message}", field=where) from exc
        if request.energy_level is None or request.mood is None or request.focus is None:
            where = f"input.{request.sign.value}"
            raise InvalidRequest(f"{where}: needs energyLevel, mood and focus", field=where)
        if request.sign in profiles:
            where = f"input.{request.sign.value}"
            raise InvalidRequest(f"{where}: given twice", field=where)
        profiles[request.sign] = DayProfile(request.energy_level, request.mood, request.focus)
    return profiles


def checked_horoscopes(given: object, signs: Sequence[Sign]) -> dict[Sign, DayProfile] | None:
    """Horoscopes as the batch takes them: profiles by sign, or the host's JSON by sign
    (checked like requests); either way one for every sign of the batch, or InvalidRequest."""
    if given is None:
        return None
    if not isinstance(given, Mapping):
        raise InvalidRequest("horoscopes: must map each sign to its horoscope", field="horoscopes")
    if all(isinstance(v, DayProfile) for v in given.values()):
        profiles = {Sign(parse_signs([k], "horoscopes")[0]): v for k, v in given.items()}
    else:
        profiles = parse_horoscopes(dict(given))
    missing = [s.value for s in signs if s not in profiles]
    if missing:
        raise InvalidRequest(
            f"horoscopes: no entry for {', '.join(missing)} (the file must cover every sign of "
            "the batch; pass --signs to make fewer)",
            field="horoscopes",
        )
    return profiles


class BatchRunner:
    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline

    def jobs(
        self, date: dt.date, signs: Sequence[Sign], *, include_moon_ritual: bool = False
    ) -> list[BatchJob]:
        """What a batch makes: each sign's shared daily image, and the day's moon ritual."""
        jobs: list[BatchJob] = [
            (Category.DAILY_ENERGY.value, s.value, {"sign": s.value, "date": date.isoformat()})
            for s in signs
        ]
        if include_moon_ritual:
            jobs.append((Category.MOON_RITUAL.value, "moon", {"date": date.isoformat()}))
        return jobs

    def one(self, job: BatchJob, horoscopes: Mapping[Sign, DayProfile] | None = None) -> BatchItem:
        """Make (or find) one item; a failure is reported in the item, not raised."""
        rule = self.pipeline.day_profile
        known = dict(horoscopes or {})

        def profile(sign: Sign, day: dt.date) -> DayProfile:
            return known.get(sign) or rule(sign, day)

        category, subject, body = job
        try:
            record, cached = self.pipeline.generate_shared(category, body, day_profile=profile)
        except CosmicImagesError as error:
            return BatchItem(category, subject, "failed", error=error)
        return BatchItem(
            category, subject, "cached" if cached else "generated", record.id, record.cost
        )

    def refresh_popular(self, count: int) -> list[BatchItem]:
        """Keep the ``count`` pictures most users received in the last 7 days cached for
        another full TTL, so the next asker hits instead of paying: the same image, re-cached
        (nothing is paid; a picture is the same picture for its key whenever it is made)."""
        pipeline = self.pipeline
        since = pipeline.clock() - dt.timedelta(days=7)
        items = []
        for image in pipeline.images.repository.popular_images(since=since, limit=count):
            assert image.cache_key is not None
            pipeline.cache.set(image.cache_key, image.id, pipeline.cache_ttl)
            items.append(BatchItem(image.category, image.cache_key[:12], "refreshed", image.id))
        return items

    def request(
        self,
        date: object,
        *,
        signs: object,
        include_moon_ritual: object,
        horoscopes: object,
        concurrency: object,
        popular: object,
        progress: Callable[[BatchItem], None] | None,
    ) -> BatchReport:
        """:meth:`run` for a caller's arguments, each checked (InvalidRequest naming it)."""
        day = self.pipeline.today() if date is None else parse_date(date, "date")
        chosen = parse_signs(signs)
        moon: object = include_moon_ritual  # "yes" must not mean no
        if not isinstance(moon, bool):
            raise InvalidRequest(
                "includeMoonRitual: must be true or false", field="includeMoonRitual"
            )
        return self.run(
            date=day,
            signs=chosen,
            include_moon_ritual=moon,
            horoscopes=checked_horoscopes(horoscopes, chosen),
            concurrency=whole_number(concurrency, "concurrency", 1, MAX_CONCURRENCY),
            popular=whole_number(popular, "popular", 0, MAX_POPULAR),
            progress=progress,
        )

    def run(
        self,
        *,
        date: dt.date,
        signs: Sequence[Sign],
        include_moon_ritual: bool = False,
        horoscopes: Mapping[Sign, DayProfile] | None = None,
        concurrency: int = 4,
        popular: int = 0,
        progress: Callable[[BatchItem], None] | None = None,
    ) -> BatchReport:
        jobs = self.jobs(date, signs, include_moon_ritual=include_moon_ritual)

        def one(job: BatchJob) -> BatchItem:
            item = self.one(job, horoscopes)
            if progress is not None:
                progress(item)
            return item

        began = time.monotonic()
        with ThreadPoolExecutor(max(1, min(concurrency, MAX_CONCURRENCY, len(jobs) or 1))) as pool:
            items = tuple(pool.map(one, jobs))
        refreshed = tuple(self.refresh_popular(popular)) if popular else ()
        return BatchReport(date, items + refreshed, time.monotonic() - began)
