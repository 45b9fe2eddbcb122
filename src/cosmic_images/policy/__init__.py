"""Who may generate what: pure tier rules (``tiers``), weekly windows, and quota stores."""

from .quota import QuotaCheck, QuotaStore, RedisQuotaStore, SqlQuotaStore, quota_from_url
from .tiers import Access, Policy, TierRules, WindowKind, check_generation, load_policy
from .windows import WEEK, Window, current_window

__all__ = [
    "WEEK",
    "Access",
    "Policy",
    "QuotaCheck",
    "QuotaStore",
    "RedisQuotaStore",
    "SqlQuotaStore",
    "TierRules",
    "Window",
    "WindowKind",
    "check_generation",
    "current_window",
    "load_policy",
    "quota_from_url",
]
