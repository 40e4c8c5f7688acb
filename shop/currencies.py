"""Who decides which currencies the shop sells in.

Without an outside system the administrator does, on the shop's settings page. An app that
owns the currencies (the ERP sync, which switches them from the ERP's own list) says so once
at start-up with `currency_source_register`, from its AppConfig.ready().

A registry rather than `shop` reading the ERP's setting itself: which setting means "an ERP
is connected" is the ERP app's knowledge, and `shop` may not import it (the arrows run
erp -> sales -> shop). The registered callable is asked each time, so its answer follows
the settings at run time (tests that switch the ERP off included).
"""

from collections.abc import Callable

# Returns the name staff know the source by ("ERP"), or None while it does not decide.
CurrencySource = Callable[[], str | None]
_sources: list[CurrencySource] = []


def currency_source_register(source: CurrencySource) -> None:
    if source not in _sources:
        _sources.append(source)


def currency_source() -> str | None:
    """The name of the system the currencies come from, or None: the administrator decides."""
    for source in _sources:
        name = source()
        if name:
            return name
    return None
