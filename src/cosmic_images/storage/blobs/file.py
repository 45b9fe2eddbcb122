"""``file:///path/to/images``: image bytes as files, written durably.

Each image goes to a temporary file that is fsynced, renamed into place, and its directory
fsynced, so a key that exists always holds complete bytes and survives a crash once
:meth:`FileBlobStore.put` has returned.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

from ..._boundary import Translated
from ..._files import durable_write
from ..._registry import StoreContext
from ...errors import ConfigurationError, NotFound
from . import BlobInfo
from .keys import KEY, InvalidBlobKey, check_key

__all__ = ["FileBlobStore", "InvalidBlobKey", "from_url"]


def _os_errors() -> tuple[type[BaseException], ...]:
    return (OSError,)


def from_url(url: str, context: StoreContext) -> FileBlobStore:
    """``file:///absolute/path`` (``file://localhost/...`` too). Whether the folder can be
    written is checked now, at start-up, not at the first image after the provider was paid
    (it is created with the first image)."""
    parts = urlsplit(url)
    path = unquote(parts.path)
    if (
        parts.netloc not in ("", "localhost")
        or not path.startswith("/")
        or parts.query
        or parts.fragment
        or "\x00" in path
    ):
        raise ConfigurationError(
            f"COSMIC_IMAGES_BLOB_URL {url!r}: use file:///absolute/path/to/images"
        )
    root = Path(path)
    existing = next((p for p in (root, *root.parents) if p.exists()), Path("/"))
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise ConfigurationError(
            f"COSMIC_IMAGES_BLOB_URL: cannot write images under {root} ({existing} is not a "
            "writable folder)"
        )
    return FileBlobStore(root, context.public_base_url)


class FileBlobStore(Translated):
    """Files under ``root``; URLs under ``public_base_url``, or ``file://`` URIs without one."""

    backend = "blob store"
    base_exceptions = staticmethod(_os_errors)

    def __init__(self, root: Path, public_base_url: str | None = None) -> None:
        self.root = Path(root).resolve()
        self.public_base_url = public_base_url.rstrip("/") if public_base_url else None

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def put(self, key: str, data: bytes, media_type: str) -> str:
        durable_write(self._path(key), data)
        return self.url_for(key)

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise NotFound(f"image bytes {key!r} are missing from the blob store") from None

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def list_blobs(self) -> Iterator[BlobInfo]:
        """Every stored blob; temporary files of unfinished writes are not blobs. Listed
        eagerly, so that a failing disk fails here, at the boundary."""
        found: list[BlobInfo] = []
        if self.root.is_dir():
            for path in sorted(self.root.rglob("*")):
                key = path.relative_to(self.root).as_posix()
                if path.is_file() and KEY.fullmatch(key):
                    modified = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC)
                    found.append(BlobInfo(key, modified))
        return iter(found)

    def url_for(self, key: str) -> str:
        if self.public_base_url:
            return f"{self.public_base_url}/{key}"
        return self._path(key).as_uri()
