"""The batch on the host's Celery: two real worker processes against the local Redis."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from cosmic_images.storage import make_engine
from cosmic_images.storage.models import ImageRow

from .conftest import REDIS_TEST_URL, missing_service

pytestmark = [pytest.mark.redis, pytest.mark.slow]
REPO = Path(__file__).resolve().parents[1]
PER_MINUTE = 120  # one provider call every half second, across both workers


@pytest.fixture
def broker(redis_url: str) -> Iterator[str]:
    """A Redis database of the tests' own for the broker and results, emptied afterwards."""
    base = REDIS_TEST_URL.rsplit("/", 1)[0]
    url = f"{base}/13"
    import redis

    client = redis.Redis.from_url(url)
    yield url
    client.flushdb()
    client.close()


@pytest.fixture
def workers(
    tmp_path: Path, broker: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[dict[str, Any]]:
    celery = shutil.which("celery", path=str(Path(sys.executable).parent)) or shutil.which("celery")
    if celery is None:
        missing_service("the celery command (the celery extra)", FileNotFoundError("celery"))
    queue = f"cosmic-test-{uuid.uuid4().hex[:8]}"
    calls = tmp_path / "calls.jsonl"
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "COSMIC_TEST_CELERY_BROKER": broker,
        "COSMIC_TEST_CELERY_QUEUE": queue,
        "COSMIC_TEST_CALLS_FILE": str(calls),
        "COSMIC_IMAGES_DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'celery.db'}",
        "COSMIC_IMAGES_PROVIDER": "tests.support:recording_provider",
        "COSMIC_IMAGES_RATE_LIMIT": str(PER_MINUTE),
    }
    logs = [(tmp_path / f"worker{i}.log").open("w") for i in range(2)]
    processes = [
        subprocess.Popen(
            [
                celery,
                "-A",
                "tests.celery_app",
                "worker",
                "--pool",
                "prefork",
                "--concurrency",
                "1",
                "-n",
                f"w{i}-{queue}@%h",
                "-Q",
                queue,
                "--without-heartbeat",
                "--without-mingle",
                "--without-gossip",
                "--loglevel",
                "WARNING",
            ],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=logs[i],
        )
        for i in range(2)
    ]
    monkeypatch.setenv("COSMIC_TEST_CELERY_BROKER", broker)
    monkeypatch.setenv("COSMIC_TEST_CELERY_QUEUE", queue)
    try:
        yield {"env": env, "calls": calls, "tmp": tmp_path, "processes": processes}
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        for log in logs:
            log.close()


def test_the_batch_on_two_workers_makes_each_image_once_under_the_rate_limit(
    workers: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in workers["env"].items():
        if name.startswith(("COSMIC_", "DATABASE_URL")):
            monkeypatch.setenv(name, value)
    import importlib

    celery_app = importlib.import_module("tests.celery_app")
    importlib.reload(celery_app)  # the broker and queue of this test
    from cosmic_images import tasks

    summary = tasks.batch.apply_async(args=["2025-01-23"]).get(timeout=120)
    assert (summary["success"], summary["failed"], summary["cached"]) == (12, 0, 0)
    calls = [json.loads(line) for line in workers["calls"].read_text().splitlines()]
    assert sorted(c["sign"] for c in calls) == sorted({c["sign"] for c in calls})  # each once
    assert len(calls) == 12
    assert len({c["pid"] for c in calls}) == 2  # both workers made images
    starts = sorted(c["at"] for c in calls)
    gaps = [b - a for a, b in pairwise(starts)]
    assert min(gaps) >= 60 / PER_MINUTE - 0.05, gaps  # the limit held across both workers
    engine = make_engine(workers["env"]["DATABASE_URL"])
    try:
        with engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(ImageRow)).scalar_one() == 12
    finally:
        engine.dispose()
    again = tasks.batch.apply_async(args=["2025-01-23"]).get(timeout=120)
    assert (again["success"], again["cached"], again["totalCost"]) == (0, 12, "0")
    handed = tasks.generate.apply_async(
        args=["u1", "cosmic", "daily_energy", {"sign": "leo", "energyLevel": 3}]
    ).get(timeout=60)
    assert handed["success"] is True and handed["data"]["cached"] is False
    refused = tasks.generate.apply_async(
        args=["u1", "free", "avatar", {"sunSign": "leo", "moonSign": "leo", "risingSign": "leo"}]
    ).get(timeout=60)
    assert refused["error"]["code"] == "not_entitled"
