"""Run in a separate process by tests/test_budget.py: threads asking for new pictures at once
against a daily budget."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Any

from cosmic_images import BudgetExceeded, CosmicImages, Settings, User
from cosmic_images.testing import CountingProvider
from cosmic_images.zodiac import Sign

THREADS = 4
PRICE = Decimal("0.04")
DELAY = 0.3


def body(i: int) -> dict[str, Any]:
    """The i-th of 120 different personal daily-energy pictures."""
    return {"sign": list(Sign)[i % 12].value, "energyLevel": 1 + (i // 12) % 10, "mood": "calm"}


def run(settings: dict[str, Any], process: int, start: Any) -> dict[str, int]:
    provider = CountingProvider(price=PRICE, delay=DELAY)
    outcome = {"made": 0, "refused": 0}
    lock = threading.Lock()
    settings = {**settings, "data_dir": Path(settings["data_dir"])}
    with CosmicImages.from_settings(Settings(**settings), provider=provider) as svc:
        user = User(id=f"rich-{process}", tier="universe")
        start.wait()

        def ask(thread: int) -> None:
            for i in range(6):  # each request a different picture: every one is a miss
                try:
                    svc.generate_daily_energy(user, body(process * 24 + thread * 6 + i))
                    kind = "made"
                except BudgetExceeded:
                    kind = "refused"
                with lock:
                    outcome[kind] += 1

        with ThreadPoolExecutor(THREADS) as pool:
            list(pool.map(ask, range(THREADS)))
    return outcome
