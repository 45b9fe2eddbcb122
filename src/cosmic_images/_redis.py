"""Redis clients from URLs, for every family that keeps its data in Redis (the ``redis`` extra).

``redis://host:6379/0?prefix=myapp:`` gives a client and the key prefix (default
``cosmic-images:``); the prefix is ours, every other query parameter is redis-py's.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import redis

from .errors import ConfigurationError

__all__ = ["DEFAULT_PREFIX", "redis_from_url"]

DEFAULT_PREFIX = "cosmic-images:"


def redis_from_url(url: str, *, setting: str) -> tuple[Any, str]:
    """A redis-py client for ``url`` (created lazily: nothing connects yet) and its prefix.

    Only the Redis backends import this module, through their registries, which answer a
    missing ``redis`` package with the ``pip install 'cosmic-images[redis]'`` hint.
    """
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    prefix = query.pop("prefix", DEFAULT_PREFIX)
    clean = urlunsplit(parts._replace(query=urlencode(query)))
    try:
        client = redis.Redis.from_url(
            clean, decode_responses=True, socket_connect_timeout=5, socket_timeout=30
        )
    except ValueError as exc:
        raise ConfigurationError(f"{setting}: invalid Redis URL: {exc}") from exc
    return client, prefix
