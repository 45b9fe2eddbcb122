"""The one boundary where a store's own exceptions become :class:`BackendUnavailable`.

limits' storage base class is the model (``limits/storage/base.py``): every store class of the
package (caches, quota stores, blob stores, the repository) derives from :class:`Translated`
and names the exceptions of the client it drives in ``base_exceptions``; ``__init_subclass__``
wraps each public method so that whatever the client raises among those comes out as
``BackendUnavailable`` with the cause chained. No backend author can forget, and a host catches
one root class.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, ClassVar, TypeVar, cast

from .errors import BackendUnavailable, CosmicImagesError

__all__ = [
    "Translated",
    "describe_error",
    "redis_errors",
    "sqlalchemy_errors",
    "translating",
]

T = TypeVar("T", bound=Callable[..., Any])


def describe_error(exc: BaseException) -> str:
    """One short line for a lower library's error (the driver's own message when wrapped)."""
    inner = getattr(exc, "orig", None) or exc
    text = " ".join(str(inner).split()) or type(inner).__name__
    return f"{type(inner).__name__}: {text[:300]}"


def sqlalchemy_errors() -> tuple[type[BaseException], ...]:
    from sqlalchemy.exc import SQLAlchemyError

    return (SQLAlchemyError,)


def redis_errors() -> tuple[type[BaseException], ...]:
    from redis.exceptions import RedisError

    return (RedisError,)


def _outage(exc: BaseException) -> bool:
    """An error that says the store is away (refused, lost, timed out, busy), not one it will
    give again for the same data (a value too long, a broken constraint)."""
    from sqlalchemy import exc as sa

    if isinstance(exc, sa.SQLAlchemyError):
        return isinstance(
            exc, sa.OperationalError | sa.InterfaceError | sa.DisconnectionError | sa.TimeoutError
        )
    if type(exc).__module__.startswith("redis"):
        from redis import exceptions as r

        return isinstance(exc, r.ConnectionError | r.TimeoutError | r.BusyLoadingError)
    return True


@contextmanager
def translating(
    backend: str, errors: Callable[[], tuple[type[BaseException], ...]]
) -> Iterator[None]:
    """Inside, an exception among ``errors()`` becomes :class:`BackendUnavailable`."""
    try:
        yield
    except CosmicImagesError:
        raise
    except Exception as exc:
        if isinstance(exc, errors()):
            raise BackendUnavailable(
                f"{backend} error: {describe_error(exc)}", backend=backend, transient=_outage(exc)
            ) from exc
        raise


def _translating(
    method: T, backend: str, errors: Callable[[], tuple[type[BaseException], ...]]
) -> T:
    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with translating(backend, errors):
            return method(*args, **kwargs)

    return cast(T, wrapper)


class Translated:
    """Base of every store: public methods translate ``base_exceptions()`` at the boundary.

    ``backend`` names the store in messages ("database", "Redis cache", "blob store").
    """

    backend: ClassVar[str] = "backend"

    @staticmethod
    def base_exceptions() -> tuple[type[BaseException], ...]:
        return ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        errors = cls.base_exceptions
        for name, value in list(vars(cls).items()):
            if name.startswith("_") or not callable(value) or isinstance(value, type):
                continue
            if isinstance(value, (staticmethod, classmethod)):
                continue
            setattr(cls, name, _translating(value, cls.backend, errors))
