"""The money side: prices and costs, and the typed ledger of every provider call."""

from .entries import Attempt, LedgerEntry, Outcome, answer_attempts, failed_attempt
from .pricing import PriceTable, TokenPrices, TokenUsage, load_price_table

__all__ = [
    "Attempt",
    "LedgerEntry",
    "Outcome",
    "PriceTable",
    "TokenPrices",
    "TokenUsage",
    "answer_attempts",
    "failed_attempt",
    "load_price_table",
]
