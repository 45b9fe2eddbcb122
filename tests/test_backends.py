"""Every backend family has one registry shape and one shared suite; a backend's test names it.

Blob stores and providers here (caches in test_cache.py, quota stores in test_quota.py), and
the registry behaviour all families share: lazy imports, the extra's install hint, hosts'
registrations, and host factories that fail.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cosmic_images import ConfigurationError, ImageProvider, ProviderConfig
from cosmic_images._registry import Registry, StoreContext
from cosmic_images.cache import cache_from_url, register_cache_backend
from cosmic_images.policy import quota_from_url, register_quota_store
from cosmic_images.providers import available_providers as providers_known
from cosmic_images.providers import provider_from_name, register_provider
from cosmic_images.providers.openai_provider import OpenAIProvider
from cosmic_images.storage import FileBlobStore, blob_store_from_url, register_blob_store
from cosmic_images.storage.blobs import BlobStore
from cosmic_images.testing import BlobStoreSuite, ProviderSuite

from .fake_openai import FakeImagesAPI


class TestFileBlobStore(BlobStoreSuite):
    @pytest.fixture
    def blobs(self, tmp_path: Path) -> BlobStore:
        return blob_store_from_url((tmp_path / "images").as_uri())


class TestProceduralProvider(ProviderSuite):
    @pytest.fixture
    def image_provider(self) -> ImageProvider:
        return provider_from_name("procedural")


class TestOpenAIProvider(ProviderSuite):
    """The real openai client against the local Images API server."""

    @pytest.fixture
    def image_provider(self, fake_openai: FakeImagesAPI) -> ImageProvider:
        config = ProviderConfig(api_key="sk-test", base_url=fake_openai.url, timeout=5.0)
        provider = provider_from_name("openai", config)
        assert isinstance(provider, OpenAIProvider)
        return provider


@pytest.mark.parametrize(
    "url",
    [
        "file://elsewhere/images",
        "file:///images?x=1",
        "file:///images#frag",
        "file:///a%00b",
        "file:relative/images",
    ],
)
def test_odd_blob_urls_are_configuration_errors(url: str) -> None:
    with pytest.raises(ConfigurationError, match="COSMIC_IMAGES_BLOB_URL"):
        blob_store_from_url(url)


def test_a_blob_folder_that_cannot_be_written_is_refused_at_start(tmp_path: Path) -> None:
    a_file = tmp_path / "not-a-folder"
    a_file.write_bytes(b"x")
    with pytest.raises(ConfigurationError, match="cannot write images"):
        blob_store_from_url((a_file / "images").as_uri())
    assert not (tmp_path / "fresh").exists()
    blob_store_from_url((tmp_path / "fresh" / "images").as_uri())
    assert not (tmp_path / "fresh").exists()  # created with the first image, not before


def test_file_blob_urls(tmp_path: Path) -> None:
    store = blob_store_from_url(f"file://localhost{tmp_path}/images")
    assert isinstance(store, FileBlobStore) and store.root == tmp_path / "images"
    context = StoreContext(public_base_url="https://cdn.example.com/i")
    cdn = blob_store_from_url((tmp_path / "x").as_uri(), context)
    assert cdn.url_for("ab/c.png") == "https://cdn.example.com/i/ab/c.png"
    with pytest.raises(ConfigurationError, match="unknown blob store scheme 'gs'"):
        blob_store_from_url("gs://bucket/images")


def test_a_missing_extra_names_the_pip_install() -> None:
    registry: Registry[Any] = Registry("cache scheme", "COSMIC_IMAGES_CACHE_URL")
    registry.register("nosuch", "cosmic_images_nosuch_backend:from_url", extra="nosuch")
    with pytest.raises(ConfigurationError, match=r"pip install 'cosmic-images\[nosuch\]'"):
        registry.factory("nosuch")


def test_backends_are_imported_only_when_chosen() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from cosmic_images.cache import cache_from_url; "
        "cache_from_url('memory://'); "
        "print('redis' in sys.modules, 'cosmic_images.cache.redis' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.split() == ["False", "False"]


@pytest.fixture
def registries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Registrations made by a test are undone after it."""
    from cosmic_images import cache, providers
    from cosmic_images.policy import quota
    from cosmic_images.storage import blobs

    for module in (cache, quota, blobs, providers):
        registry = module._registry
        monkeypatch.setattr(registry, "_entries", dict(registry._entries))


@pytest.mark.usefixtures("registries")
def test_hosts_register_backends_by_factory_or_import_path(tmp_path: Path) -> None:
    made = FileBlobStore(tmp_path)
    register_blob_store("mine", lambda url, context: made)
    assert blob_store_from_url("mine://x") is made
    register_cache_backend("mymem", "cosmic_images.cache.memory:from_url")
    assert cache_from_url("mymem://?max_entries=3").max_entries == 3  # type: ignore[attr-defined]
    register_quota_store("myquota", lambda url, context: "a store")  # type: ignore[arg-type,return-value]
    assert quota_from_url("myquota://") == "a store"  # type: ignore[comparison-overlap]


@pytest.mark.usefixtures("registries")
def test_a_provider_factory_is_given_the_config_not_the_settings() -> None:
    seen: list[ProviderConfig] = []

    def factory(config: ProviderConfig) -> ImageProvider:
        seen.append(config)
        return provider_from_name("procedural")

    register_provider("seen", factory)
    provider_from_name("seen", ProviderConfig(model="m1", timeout=7.0))
    assert "seen" in providers_known()
    assert [(c.model, c.timeout) for c in seen] == [("m1", 7.0)]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("json:loads", "the provider factory 'json:loads' failed: TypeError"),
        ("builtins:repr", "made str, not an image provider"),
        ("json:nothing_here", "'json' has no 'nothing_here'"),
        ("no_such_module_xyz:thing", "cannot import 'no_such_module_xyz'"),
        ("json:__doc__", "neither an image provider nor a factory"),
        ("bogus", "unknown provider 'bogus' (known: "),
    ],
)
def test_a_bad_provider_is_a_configuration_error_naming_it(name: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match="COSMIC_IMAGES_PROVIDER") as excinfo:
        provider_from_name(name)
    assert message in excinfo.value.message


def test_the_redis_extra_hint_comes_from_the_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    for name in [m for m in sys.modules if m == "redis" or m.startswith("redis.")]:
        monkeypatch.delitem(sys.modules, name)
    for name in ("cosmic_images.cache.redis", "cosmic_images._redis"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    monkeypatch.setitem(sys.modules, "redis", None)  # as if the extra were not installed
    with pytest.raises(ConfigurationError) as excinfo:
        cache_from_url("redis://127.0.0.1:6379/0")
    assert "pip install 'cosmic-images[redis]'" in excinfo.value.message
    assert excinfo.value.message.startswith("COSMIC_IMAGES_CACHE_URL")


def test_a_corrupt_png_from_the_api_is_provider_unavailable_with_its_cost(
    fake_openai: FakeImagesAPI,
) -> None:
    from decimal import Decimal

    from cosmic_images import ProviderUnavailable
    from cosmic_images.testing import sample_specs

    from .fake_openai import Reply, png_bytes

    good = png_bytes()
    idat = good.index(b"IDAT")
    crc = idat + 4 + int.from_bytes(good[idat - 4 : idat], "big")
    corrupt = good[:crc] + bytes([good[crc] ^ 0xFF]) + good[crc + 1 :]  # Pillow: SyntaxError
    fake_openai.enqueue(Reply.image(data=corrupt))
    config = ProviderConfig(api_key="sk-test", base_url=fake_openai.url, timeout=5.0)
    with pytest.raises(ProviderUnavailable, match="not an image") as excinfo:
        provider_from_name("openai", config).generate(sample_specs()[0])
    assert excinfo.value.billed_cost > Decimal("0")
