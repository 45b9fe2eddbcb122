"""One registry shape for every backend family (caches, quota stores, blob stores, providers).

A name or URL scheme maps to a ``"module:attribute"`` path that is imported only when a backend
of that name is built, so an optional dependency (redis, psycopg, boto3) is needed only by the
hosts that use it; a missing one is a :class:`~cosmic_images.errors.ConfigurationError` with the
``pip install 'cosmic-images[extra]'`` hint. dogpile.cache's ``PluginLoader`` is the model.

Each family keeps one :class:`Registry` in its package ``__init__`` and a ``register_…``
function for hosts, which accept either an import path or the factory itself.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar, cast

from .errors import ConfigurationError

if TYPE_CHECKING:
    from sqlalchemy import Engine

__all__ = ["Registry", "StoreContext", "import_path", "scheme_of"]

F = TypeVar("F", bound=Callable[..., object])


def scheme_of(url: str) -> str:
    """``redis`` for ``redis://host/0``; a bare name (``sql``) is its own scheme."""
    return url.split("://", 1)[0].lower() if "://" in url else url.lower()


def import_path(path: str, *, setting: str, extra: str | None = None) -> object:
    """The object at ``module:attribute``; a failure is a ConfigurationError naming ``setting``."""
    module_name, sep, attribute = path.partition(":")
    if not sep or not module_name or not attribute:
        raise ConfigurationError(f"{setting}: {path!r} is not an import path module:attribute")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        missing = getattr(exc, "name", None) or module_name
        hint = f": pip install 'cosmic-images[{extra}]'" if extra else ""
        raise ConfigurationError(
            f"{setting}: cannot import {module_name!r} (missing {missing!r}){hint}"
        ) from exc
    try:
        return getattr(module, attribute)
    except AttributeError as exc:
        raise ConfigurationError(f"{setting}: {module_name!r} has no {attribute!r}") from exc


@dataclass(frozen=True, slots=True)
class _Entry(Generic[F]):
    target: str | F
    extra: str | None


class Registry(Generic[F]):
    """Names (or URL schemes) to factories of one family, imported lazily.

    ``setting`` is the environment variable that chooses the backend, used in error messages.
    """

    def __init__(self, family: str, setting: str) -> None:
        self.family = family
        self.setting = setting
        self._entries: dict[str, _Entry[F]] = {}

    def register(self, name: str, target: str | F, *, extra: str | None = None) -> None:
        """``name`` builds with ``target``: a factory, or its ``"module:attribute"`` path.

        ``extra`` names the optional dependency group a missing import should suggest.
        """
        if not name or not isinstance(name, str):
            raise ConfigurationError(f"a {self.family} name must be a non-empty string")
        self._entries[name.lower()] = _Entry(target, extra)

    def names(self) -> list[str]:
        return sorted(self._entries)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._entries

    def from_url(self, url: str) -> F:
        """The factory for ``url``'s scheme (a bare name such as ``sql`` is its own scheme)."""
        return self.factory(scheme_of(url))

    def factory(self, name: str) -> F:
        """The factory registered as ``name``, imported now if it was given as a path."""
        entry = self._entries.get(name.lower())
        if entry is None:
            known = ", ".join(self.names())
            raise ConfigurationError(
                f"{self.setting}: unknown {self.family} {name!r} (known: {known})"
            )
        if isinstance(entry.target, str):
            loaded = import_path(entry.target, setting=self.setting, extra=entry.extra)
            if not callable(loaded):
                raise ConfigurationError(f"{self.setting}: {entry.target!r} is not callable")
            return cast(F, loaded)
        return entry.target


@dataclass(frozen=True, slots=True)
class StoreContext:
    """What a store factory may need beside its URL: the application database's engine
    (``sql`` caches and quota stores share it) and the public base URL of blobs."""

    engine: Engine | None = None
    public_base_url: str | None = None
    # The service's clock, for the sql stores that keep time themselves (quota, rate limits);
    # None: the real time. Redis stores use the server's clock.
    clock: Callable[[], dt.datetime] | None = None

    def require_engine(self, what: str) -> Engine:
        if self.engine is None:
            raise ConfigurationError(f"the sql {what} needs the database engine")
        return self.engine
