"""What a blob key may be, for every store: a relative path of plain names with a suffix."""

from __future__ import annotations

import re

from ...errors import InvalidRequest

__all__ = ["KEY", "InvalidBlobKey", "check_key"]

KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9_\-]*(/[A-Za-z0-9][A-Za-z0-9_\-]*)*\.[a-z0-9]{2,5}")


class InvalidBlobKey(InvalidRequest, ValueError):
    """A key that is not a relative path of plain names under the root."""


def check_key(key: object) -> str:
    """``key`` if it is a valid blob key (no ``..``, no absolute path, no spaces), else
    :class:`InvalidBlobKey`. Checked at run time: hosts may call a store directly."""
    if not isinstance(key, str) or not KEY.fullmatch(key):
        raise InvalidBlobKey(f"key: invalid blob key {str(key)[:100]!r}", field="key")
    return key
