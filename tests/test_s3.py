"""Image bytes in object storage: the S3 store against a real S3-compatible server
(SeaweedFS's ``weed mini``, started by the fixtures), never a mock."""

from __future__ import annotations

import multiprocessing
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from cosmic_images import (
    BackendUnavailable,
    ConfigurationError,
    CosmicImages,
    User,
)
from cosmic_images.storage import BlobStore, blob_store_from_url
from cosmic_images.storage.blobs.s3 import CACHE_CONTROL, S3BlobStore
from cosmic_images.storage.models import ImageRow, LedgerEntry
from cosmic_images.testing import BlobStoreSuite

from . import flight_worker, host_worker
from .conftest import ServiceFactory
from .fake_openai import FakeImagesAPI, Reply
from .servers import free_port

USER = User(id="s3-user", tier="cosmic")
ENERGY = {"sign": "aries", "energyLevel": 4, "mood": "calm"}


class TestS3BlobStore(BlobStoreSuite):
    @pytest.fixture
    def blobs(self, s3_url: str) -> BlobStore:
        return blob_store_from_url(s3_url)


def test_objects_carry_type_and_cache_control_and_sit_under_the_prefix(
    s3_url: str, seaweed: Any
) -> None:
    import boto3

    store = blob_store_from_url(s3_url)
    store.put("ab/abc.png", b"\x89PNG bytes", "image/png")
    prefix = s3_url.split("/", 3)[3]
    head = boto3.client("s3").head_object(Bucket=seaweed.bucket, Key=f"{prefix}/ab/abc.png")
    assert head["ContentType"] == "image/png"
    assert head["CacheControl"] == CACHE_CONTROL


def test_a_presigned_url_serves_the_png_until_it_expires(s3_url: str) -> None:
    store = blob_store_from_url(f"{s3_url}?url_lifetime=2")
    data = b"\x89PNG\r\n\x1a\n" + b"stars" * 100
    url = store.put("cd/moon.png", data, "image/png")
    assert "X-Amz-Signature=" in url and "X-Amz-Expires=2" in url
    with urllib.request.urlopen(url, timeout=5) as answer:  # noqa: S310  (loopback http)
        assert answer.read() == data
    time.sleep(3.2)
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(url, timeout=5)  # noqa: S310
    refused.value.close()
    assert refused.value.code == 403
    fresh = store.url_for("cd/moon.png")  # minted again when read: it works again
    with urllib.request.urlopen(fresh, timeout=5) as answer:  # noqa: S310
        assert answer.read() == data


def test_a_public_base_url_replaces_presigning(s3_url: str) -> None:
    from cosmic_images._registry import StoreContext

    store = blob_store_from_url(s3_url, StoreContext(public_base_url="https://cdn.example/img/"))
    prefix = s3_url.split("/", 3)[3]
    assert store.url_for("ab/x.png") == f"https://cdn.example/img/{prefix}/ab/x.png"


@pytest.mark.parametrize(
    "url",
    [
        "s3://",
        "s3://key:secret@bucket/p",
        "s3://bucket/p?url_lifetime=0",
        "s3://bucket/p?url_lifetime=9999999",
        "s3://bucket/p?addressing_style=sideways",
        "s3://bucket/p?region=eu",
    ],
)
def test_bad_s3_urls_are_configuration_errors(url: str) -> None:
    with pytest.raises(ConfigurationError):
        blob_store_from_url(url)


def test_the_service_stores_serves_cards_and_lists_from_the_bucket(
    make_service: ServiceFactory, s3_url: str
) -> None:
    svc = make_service(blob_url=s3_url)
    made = svc.generate_daily_energy(USER, ENERGY)
    assert "X-Amz-Signature=" in made.image_url  # minted, not stored
    record = svc.get_image(USER, made.image_id)
    with urllib.request.urlopen(record.image_url, timeout=5) as answer:  # noqa: S310
        assert answer.read() == svc.image_bytes(USER, made.image_id)
    assert svc.share_card(USER, made.image_id, "twitter").startswith(b"\x89PNG")
    keys = {b.key for b in svc.blobs.list_blobs()}
    assert record.blob_key in keys and any(k.startswith(f"cards/{made.image_id}/") for k in keys)
    assert svc.gallery(USER).images[0].image_url.startswith("http://127.0.0.1")


def test_a_wrong_secret_is_a_configuration_error_and_writes_nothing(
    make_service: ServiceFactory, s3_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = make_service(blob_url=s3_url)  # started with the right secret
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret")
    with pytest.raises(ConfigurationError, match="refused"):  # found at start-up, before any
        make_service(blob_url=s3_url)  # image is paid for
    with pytest.raises(ConfigurationError, match="refused"):
        blob_store_from_url("s3://no-such-bucket-here/p")  # nor a bucket that is not there
    # A store whose secret is changed under it (rotated) refuses at the write instead: no
    # image row, the slot given back, the paid image recorded as lost.
    store = good.blobs
    assert isinstance(store, S3BlobStore)
    store._client = None  # the next call makes a client with the changed secret
    with pytest.raises(ConfigurationError, match="refused"):
        good.generate_daily_energy(USER, ENERGY)
    assert good.repository.count(ImageRow) == 0
    assert good.usage_stats(USER).weekly_usage == 0
    with good.repository.session() as session:
        assert [e.outcome for e in session.query(LedgerEntry)] == ["lost"]


def test_the_server_down_is_backend_unavailable_and_writes_nothing(
    make_service: ServiceFactory, s3_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", f"http://127.0.0.1:{free_port()}")
    svc = make_service(blob_url=s3_url)
    with pytest.raises(BackendUnavailable) as down:
        svc.generate_daily_energy(USER, ENERGY)
    assert down.value.transient and down.value.backend == "blob store"
    assert svc.repository.count(ImageRow) == 0
    assert svc.usage_stats(USER).weekly_usage == 0


def _use_in_child(store: S3BlobStore, key: str, out: Any) -> None:
    out.put((store.get(key), id(store._s3())))


def test_a_forked_child_makes_its_own_client(s3_url: str) -> None:
    store = blob_store_from_url(s3_url)
    assert isinstance(store, S3BlobStore)
    store.put("ef/fork.png", b"before fork", "image/png")
    parent_client = store._s3()
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_use_in_child, args=(store, "ef/fork.png", queue))
    child.start()
    data, _ = queue.get(timeout=30)
    child.join(timeout=30)
    assert child.exitcode == 0 and data == b"before fork"
    assert store._s3() is parent_client  # the parent's own stays its own
    assert store._pid is not None


def test_a_plain_install_names_the_s3_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "boto3", None)
    with pytest.raises(ConfigurationError, match=r"cosmic-images\[s3\]"):
        blob_store_from_url("s3://bucket/prefix")


def _host(tmp: Path, name: str, **shared: Any) -> dict[str, Any]:
    return {"data_dir": str(tmp / name), "auto_migrate": True, **shared}


@pytest.mark.slow
def test_two_hosts_in_two_processes_share_one_gallery(
    postgres_url: str, redis_url: str, s3_url: str, tmp_path: Path
) -> None:
    from cosmic_images import Settings

    shared = {"database_url": postgres_url, "redis_url": redis_url, "blob_url": s3_url}
    first = _host(tmp_path, "host-one", **shared)
    with CosmicImages.from_settings(
        Settings(**{**first, "data_dir": Path(first["data_dir"])})
    ) as one:
        made = one.generate_daily_energy(USER, ENERGY)
        mine = one.image_bytes(USER, made.image_id)
    context = multiprocessing.get_context("spawn")
    with context.Pool(1) as pool:
        seen = pool.apply(
            host_worker.read, (_host(tmp_path, "host-two", **shared), USER.id, made.image_id)
        )
    assert seen["bytes"] == mine
    assert seen["card"].startswith(b"\x89PNG")
    assert seen["gallery"] == [made.image_id]
    assert "X-Amz-Signature=" in seen["url"]
    assert not (tmp_path / "host-two" / "images").exists()  # nothing on either local disk
    assert not (tmp_path / "host-one" / "images").exists()


@pytest.mark.slow
def test_the_stampede_holds_across_two_hosts(
    postgres_url: str, redis_url: str, s3_url: str, tmp_path: Path, fake_openai: FakeImagesAPI
) -> None:
    slow = Reply.image()
    slow.stall = 1.5
    fake_openai.enqueue(slow)
    shared = {
        "database_url": postgres_url,
        "redis_url": redis_url,
        "blob_url": s3_url,
        "provider": "openai",
        "openai_api_key": "sk-test",
        "openai_base_url": fake_openai.url,
        "lease_seconds": 2.0,
        "request_timeout": 20.0,
    }
    hosts = [_host(tmp_path, f"host-{i % 2}", **shared) for i in range(4)]  # 2 hosts x 2 workers
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        start = manager.Barrier(4)
        with context.Pool(4) as pool:
            per_process = pool.starmap(flight_worker.run, [(h, 8, start) for h in hosts])
    outcomes = {outcome for results in per_process for outcome, _ in results}
    assert len(fake_openai.generations()) == 1  # 32 callers on two hosts: one paid call
    assert len(outcomes) == 1 and len(next(iter(outcomes))) == 36  # one image id for all
