"""Display exchange rates (ENDPOINTS 10.7): set by the operator with their history, and a
deterministic daily rate in the sandbox. The wallet stays in CNY; ``convert`` turns an amount of
minor units into another currency's minor units at a rate (half-even, Decimal only)."""

from daigou.rates.conversion import UnknownCurrency, convert, currency, exponent

__all__ = ["UnknownCurrency", "convert", "currency", "exponent"]
