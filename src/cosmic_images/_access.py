"""Who may call what on the facade: a user's request (checked, then fair use around it) and an
administrator's."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Concatenate, ParamSpec, TypeVar, cast

from .errors import InvalidRequest, NotEntitled
from .fairuse import Kind
from .schemas import User

if TYPE_CHECKING:
    from .service import CosmicImages

__all__ = ["admin_only", "require_admin", "require_user", "user_request"]

P = ParamSpec("P")
R = TypeVar("R")
Method = Callable[Concatenate["CosmicImages", User, P], R]


def require_user(user: object) -> User:
    """``user`` if it is a :class:`User`; else InvalidRequest naming ``user``."""
    if not isinstance(user, User):
        raise InvalidRequest("user: must be a cosmic_images.User", field="user")
    return user


def require_admin(user: object) -> User:
    """``user`` if it is an administrator; else NotEntitled."""
    if not isinstance(user, User) or not user.is_admin:
        raise NotEntitled("this operation is for administrators (User(..., is_admin=True))")
    return user


def user_request(
    kind: Kind, *, blocked_may: bool = False
) -> Callable[[Method[P, R]], Method[P, R]]:
    """A user's request: the user checked, then fair use (fairuse.py: the block, the rate,
    counting what refused it) around the method."""

    def wrap(method: Method[P, R]) -> Method[P, R]:
        @functools.wraps(method)
        def call(self: CosmicImages, user: User, *args: P.args, **kwargs: P.kwargs) -> R:
            who = require_user(user)
            with self._parts.fairuse.guard(who, kind, blocked_may=blocked_may):
                return method(self, who, *args, **kwargs)

        return cast(Method[P, R], call)  # ``user`` may be given by name, too

    return wrap


def admin_only(method: Method[P, R]) -> Method[P, R]:
    """An administrator's operation: its first argument must be an admin user."""

    @functools.wraps(method)
    def call(self: CosmicImages, admin: User, *args: P.args, **kwargs: P.kwargs) -> R:
        return method(self, require_admin(admin), *args, **kwargs)

    return cast(Method[P, R], call)
