"""Where image bytes live, chosen by URL (``COSMIC_IMAGES_BLOB_URL``): ``file://`` by default.

The :class:`BlobStore` protocol and the registry live here, one module per backend beside
them; a host adds a scheme with :func:`register_blob_store`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from ..._registry import Registry, StoreContext

__all__ = [
    "BlobFactory",
    "BlobInfo",
    "BlobStore",
    "FileBlobStore",
    "InvalidBlobKey",
    "blob_schemes",
    "blob_store_from_url",
    "check_key",
    "register_blob_store",
]


@dataclass(frozen=True, slots=True)
class BlobInfo:
    """A stored blob: its key and when it was last written."""

    key: str
    modified: dt.datetime


@runtime_checkable
class BlobStore(Protocol):
    """Durable bytes by key, each with a URL a client can fetch.

    ``put`` returns only once the bytes would survive a crash; ``get`` of a missing key raises
    :class:`~cosmic_images.errors.NotFound`; ``delete`` of a missing key is not an error.
    """

    def put(self, key: str, data: bytes, media_type: str) -> str:
        """Store ``data`` durably under ``key`` and return its URL."""
        ...

    def get(self, key: str) -> bytes: ...

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None: ...

    def url_for(self, key: str) -> str: ...

    def list_blobs(self) -> Iterator[BlobInfo]:
        """Every blob in the store (for cleanup: blobs no image row references)."""
        ...


from .file import FileBlobStore  # noqa: E402  (after BlobInfo, which it uses)
from .keys import InvalidBlobKey, check_key  # noqa: E402

BlobFactory = Callable[[str, StoreContext], BlobStore]

_registry: Registry[BlobFactory] = Registry("blob store scheme", "COSMIC_IMAGES_BLOB_URL")
_registry.register("file", "cosmic_images.storage.blobs.file:from_url")
_registry.register("s3", "cosmic_images.storage.blobs.s3:from_url")


def register_blob_store(scheme: str, factory: BlobFactory | str) -> None:
    """Make ``scheme://...`` blob URLs build a store with ``factory(url, context)``."""
    _registry.register(scheme, factory)


def blob_schemes() -> list[str]:
    return _registry.names()


def blob_store_from_url(url: str, context: StoreContext | None = None) -> BlobStore:
    return _registry.from_url(url)(url, context or StoreContext())
