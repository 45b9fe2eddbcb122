"""Run in a separate process by tests/test_fairuse.py: 16 threads of one universe user
asking at once against a request rate."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from cosmic_images import CosmicImages, RateLimited, Settings, User
from cosmic_images.testing import CountingProvider


def run(settings: dict[str, Any], start: Any) -> list[float | None]:
    """For each thread: None when granted, else the retry time it was given."""
    chosen = Settings(**{**settings, "data_dir": Path(settings["data_dir"])})
    with CosmicImages.from_settings(chosen, provider=CountingProvider()) as svc:
        user = User(id="script-kiddie", tier="universe")
        barrier = threading.Barrier(16)
        start.wait()

        def ask(_: int) -> float | None:
            barrier.wait()
            try:
                svc.generate_daily_energy(user, {"sign": "leo", "personalized": False})
            except RateLimited as refused:
                return refused.retry_after if refused.retry_after is not None else -1.0
            return None

        with ThreadPoolExecutor(16) as pool:
            return list(pool.map(ask, range(16)))
