"""Who may generate what: pure tier rules (``tiers``); quota stores come later."""

from .tiers import Access, Policy, TierRules, WindowKind, check_generation, load_policy

__all__ = ["Access", "Policy", "TierRules", "WindowKind", "check_generation", "load_policy"]
