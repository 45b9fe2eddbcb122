"""Run in a separate process by tests/test_quota.py: 16 threads of one user asking at once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from cosmic_images import CosmicImages, ProviderUnavailable, QuotaExceeded, Settings, User
from cosmic_images.testing import CountingProvider
from cosmic_images.zodiac import Sign

SIGNS = list(Sign)


def body(i: int) -> dict[str, Any]:
    """The i-th of 64 different daily-energy requests."""
    return {"sign": SIGNS[i % 12].value, "energyLevel": 1 + i // 12, "date": "2025-01-23"}


def fails(spec: Any) -> ProviderUnavailable | None:
    if spec.identity.get("energyLevel", 1) % 2 == 0:  # half of the 64 requests
        return ProviderUnavailable("the provider is down for even energies")
    return None


def run(settings: dict[str, Any], process: int, failing: bool, start: Any) -> dict[str, int]:
    # Failing calls fail at once; good ones take a while and hold their slot meanwhile.
    provider = CountingProvider(
        delay=0.3 if failing else 0.02, fail_with=fails if failing else None
    )
    outcome = {"granted": 0, "exceeded": 0, "failed": 0}
    lock = threading.Lock()
    settings = {**settings, "data_dir": Path(settings["data_dir"])}
    with CosmicImages.from_settings(Settings(**settings), provider=provider) as svc:
        user = User(id="cosmic-racer", tier="cosmic")
        barrier = threading.Barrier(16)
        start.wait()  # every process is ready: all 64 requests go at once

        def ask(thread: int) -> None:
            barrier.wait()
            try:
                svc.generate_daily_energy(user, body(process * 16 + thread))
                kind = "granted"
            except QuotaExceeded:
                kind = "exceeded"
            except ProviderUnavailable:
                kind = "failed"
            with lock:
                outcome[kind] += 1

        with ThreadPoolExecutor(16) as pool:
            list(pool.map(ask, range(16)))
    return outcome
