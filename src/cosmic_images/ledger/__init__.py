"""The money side: prices, costs, and (later) reports and budgets."""

from .pricing import PriceTable, TokenPrices, TokenUsage, load_price_table

__all__ = ["PriceTable", "TokenPrices", "TokenUsage", "load_price_table"]
