"""Who may generate what: pure tier rules (``tiers``), weekly windows, and quota stores."""

from typing import TYPE_CHECKING, Any

from .quota import (
    QuotaCheck,
    QuotaFactory,
    QuotaStore,
    quota_from_url,
    quota_schemes,
    register_quota_store,
)
from .quota.sql import SqlQuotaStore
from .tiers import (
    Access,
    Policy,
    TierRules,
    WindowKind,
    check_generation,
    load_policy,
    not_entitled,
    require_feature,
)
from .windows import WEEK, Window, current_window

if TYPE_CHECKING:
    from .quota.redis import RedisQuotaStore


def __getattr__(name: str) -> Any:
    """``RedisQuotaStore`` is imported when asked for: it needs the ``redis`` extra."""
    if name == "RedisQuotaStore":
        from .quota.redis import RedisQuotaStore

        return RedisQuotaStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "WEEK",
    "Access",
    "Policy",
    "QuotaCheck",
    "QuotaFactory",
    "QuotaStore",
    "RedisQuotaStore",
    "SqlQuotaStore",
    "TierRules",
    "Window",
    "WindowKind",
    "check_generation",
    "current_window",
    "load_policy",
    "not_entitled",
    "quota_from_url",
    "quota_schemes",
    "register_quota_store",
    "require_feature",
]
