"""Benchmark: the seed's month, simulated through the real service (targets: hit rate >= 80%,
average cost per image < $0.05, no duplicate paid calls).

Run by hand: ``python bench/bench_month.py [--users 10000] [--days 30] [--database-url URL]
[--cache-url URL]``. On the embedded default (SQLite in a temporary folder) unless told
otherwise; the clock is simulated, so a 24-hour cache entry lives one simulated day.

The scenario (the seed's, with a spread of requests that is ours, stated here):

- 10,000 users, 30% free, 50% cosmic, 20% universe, each with a sun sign;
- every night the batch makes the 12 shared daily images;
- every user opens the app on 2 days of 7 and sees the day's shared image of their sign;
- cosmic users ask for 3 personal images a week (the limit): daily energy, and
  compatibility with a partner sign; universe users ask for 20 a month: daily energy at HD,
  compatibility, moon rituals, and their avatar once;
- a personal daily energy is keyed by sign, day, energy, mood and focus; the day's energy of a
  sign is the same for everyone, and moods and focuses follow a Zipf-like spread over 5 and 4
  values (most people pick the first few);
- compatibility scores follow from the two signs;
- the provider answers at once with a small PNG, priced as dall-e-3 (standard $0.04, HD $0.08).

Prints the hit rate (all requests, and personal ones alone), paid images, total and average
cost per image, duplicate paid calls (a picture paid for twice while it was cached) and the
wall time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import random
import tempfile
import threading
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

from PIL import Image

from cosmic_images import CosmicImages, NotEntitled, QuotaExceeded, Settings, User
from cosmic_images._wiring import build
from cosmic_images.prompts import PromptSpec
from cosmic_images.providers import GeneratedImage
from cosmic_images.zodiac import Quality, Sign

PRICES = {Quality.STANDARD: Decimal("0.04"), Quality.HD: Decimal("0.08")}
MOODS = ["uplifting", "calm", "focused", "dreamy", "bold"]
FOCUSES = ["career", "love", "health", "growth"]
WEIGHTS_5 = [0.45, 0.25, 0.15, 0.1, 0.05]
WEIGHTS_4 = [0.5, 0.25, 0.15, 0.1]
SIGNS = list(Sign)
START = dt.datetime(2025, 3, 1, 5, 0, tzinfo=dt.UTC)


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 64), (60, 30, 110)).save(out, "PNG")
    return out.getvalue()


class PricedProvider:
    """Answers at once, priced like dall-e-3; remembers when each picture was paid for."""

    name = "priced"
    model = "dall-e-3"
    remote = False

    def __init__(self) -> None:
        self.png = _png()
        self.paid: list[tuple[PromptSpec, dt.datetime]] = []
        self.lock = threading.Lock()
        self.clock: Any = None

    def generate(self, spec: PromptSpec, *, end_user: str | None = None) -> GeneratedImage:
        with self.lock:
            self.paid.append((spec, self.clock()))
        return GeneratedImage(
            data=self.png,
            width=64,
            height=64,
            model=self.model,
            provider=self.name,
            quality=spec.quality.value,
            cost=PRICES[spec.quality],
            size="1024x1024",
        )


class Clock:
    def __init__(self) -> None:
        self.now = START
        self.lock = threading.Lock()

    def __call__(self) -> dt.datetime:
        with self.lock:
            return self.now

    def set(self, when: dt.datetime) -> None:
        with self.lock:
            self.now = when


def day_energy(sign: Sign, day: dt.date) -> int:
    return 1 + (SIGNS.index(sign) * 7 + day.toordinal()) % 10


def score(a: Sign, b: Sign) -> int:
    i, j = sorted((SIGNS.index(a), SIGNS.index(b)))
    return 40 + (i * 13 + j * 7) % 60


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--cache-url", default=None)
    args = parser.parse_args()
    rng = random.Random(2025)
    tiers = ["free"] * 30 + ["cosmic"] * 50 + ["universe"] * 20
    users = [
        (User(id=f"user-{i}", tier=tiers[i % 100]), SIGNS[rng.randrange(12)])
        for i in range(args.users)
    ]
    partners = {u.id: SIGNS[rng.randrange(12)] for u, _ in users}
    clock = Clock()
    provider = PricedProvider()
    provider.clock = clock
    counts: Counter[str] = Counter()
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            data_dir=Path(folder),
            database_url=args.database_url,
            cache_url=args.cache_url,
            timezone="UTC",
            spike_factor=Decimal("0"),
        )
        svc = CosmicImages(build(settings, provider=provider, clock=clock))
        started = time.perf_counter()
        for d in range(args.days):
            day = (START + dt.timedelta(days=d)).date()
            midnight = dt.datetime.combine(day, dt.time(0, 5), dt.UTC)
            clock.set(midnight)
            svc.batch_generate(day)
            requests: list[tuple[User, str, dict[str, Any], bool]] = []
            for user, sign in users:
                if rng.random() < 2 / 7:
                    requests.append(
                        (user, "daily_energy", {"sign": sign.value, "personalized": False}, False)
                    )
                if user.tier == "cosmic" and rng.random() < 3 / 7:
                    requests.append(
                        (user, *personal(rng, user, sign, partners, day, hd=False), True)
                    )
                if user.tier == "universe" and rng.random() < 20 / 30:
                    requests.append(
                        (user, *personal(rng, user, sign, partners, day, hd=True), True)
                    )
            rng.shuffle(requests)
            for i, (user, category, body, mine) in enumerate(requests):
                clock.set(midnight + dt.timedelta(seconds=(i + 1) * 86_000 / (len(requests) + 1)))
                try:
                    result = svc.generate(user, category, body)
                except (QuotaExceeded, NotEntitled):
                    counts["refused"] += 1
                    continue
                kind = "personal" if mine else "shared"
                counts[f"{kind} {'hit' if result.cached else 'miss'}"] += 1
        wall = time.perf_counter() - started
        report = svc.cost_report(args.days)
        total = report.total
        paid = [(svc.cache_key(spec), when) for spec, when in provider.paid]
        last: dict[str, dt.datetime] = {}
        duplicates = 0
        for key, when in sorted(paid, key=lambda p: p[1]):
            if key in last and when - last[key] < settings.cache_ttl:
                duplicates += 1
            last[key] = when
        svc.close()
    hits = counts["shared hit"] + counts["personal hit"]
    misses = counts["shared miss"] + counts["personal miss"]
    asked = counts["personal hit"] + counts["personal miss"]
    average = total.cost / total.images if total.images else Decimal(0)
    served = total.cost / (hits + misses) if hits + misses else Decimal(0)
    rate = hits / (hits + misses)
    print(
        f"{args.users:,} users over {args.days} days: {hits + misses:,} requests answered, "
        f"{counts['refused']:,} refused (weekly limits), wall time {wall:.0f} s"
    )
    print(
        f"  hit rate: {rate:.1%} of all requests; {counts['personal hit'] / asked:.1%} of "
        f"personal ones ({asked:,})"
    )
    print(
        f"  paid images: {len(provider.paid):,} (the batch: {12 * args.days}); total "
        f"${total.cost:,.2f}; average ${average:.4f} per image made (the report's figure), "
        f"${served:.4f} per image served"
    )
    print(f"  duplicate paid calls: {duplicates}")
    print(
        f"  targets: hit rate >= 80%: {'met' if rate >= 0.8 else 'MISSED'}; average < $0.05: "
        f"{'met' if average < Decimal('0.05') else 'MISSED'} per image made, "
        f"{'met' if served < Decimal('0.05') else 'MISSED'} per image served; duplicates 0: "
        f"{'met' if duplicates == 0 else 'MISSED'}"
    )


def personal(
    rng: random.Random, user: User, sign: Sign, partners: dict[str, Sign], day: dt.date, *, hd: bool
) -> tuple[str, dict[str, Any]]:
    roll = rng.random()
    if hd and roll < 0.05:
        return "avatar", {
            "sunSign": sign.value,
            "moonSign": partners[user.id].value,
            "risingSign": SIGNS[(SIGNS.index(sign) + 3) % 12].value,
        }
    if hd and roll < 0.2:
        return "moon_ritual", {"date": day.isoformat()}
    if roll < 0.35:
        partner = partners[user.id]
        return "compatibility", {
            "user1": {"sign": sign.value},
            "user2": {"sign": partner.value},
            "compatibilityScore": score(sign, partner),
        }
    return "daily_energy", {
        "sign": sign.value,
        "date": day.isoformat(),
        "energyLevel": day_energy(sign, day),
        "mood": rng.choices(MOODS, WEIGHTS_5)[0],
        "focus": rng.choices(FOCUSES, WEIGHTS_4)[0],
    }


if __name__ == "__main__":
    main()
