"""Who may generate what: pure tier rules (``tiers``), weekly windows, and quota stores."""

from .quota import (
    QuotaCheck,
    QuotaFactory,
    QuotaStore,
    quota_from_url,
    quota_schemes,
    register_quota_store,
)
from .quota.redis import RedisQuotaStore
from .quota.sql import SqlQuotaStore
from .tiers import (
    Access,
    Policy,
    TierRules,
    WindowKind,
    check_generation,
    load_policy,
    not_entitled,
)
from .windows import WEEK, Window, current_window

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
]
