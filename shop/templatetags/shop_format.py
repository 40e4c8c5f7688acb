"""Display filters shared by every page."""

import json
from functools import cache
from typing import Any

from babel import Locale
from babel.numbers import NumberPattern, format_decimal, parse_pattern
from django import template
from django.utils import translation
from django.utils.translation import gettext
from moneyed import Money

from shop import listing
from shop.notices import notice_text

register = template.Library()


def _locale() -> str:
    return translation.to_locale(translation.get_language() or "pl")


# Amount first, always two decimals: parsed once, not on each of a list's fifty rows.
MONEY_PATTERN: NumberPattern = parse_pattern("#,##0.00\xa0¤")


@cache
def _babel_locale(name: str) -> Locale:
    return Locale.parse(name)


@register.filter
def money(value: Money | None) -> str:
    """ "1 378,00 CZK" / "1,378.00 CZK": amount first, always two decimals, in the UI language.

    babel's own currency digits would round HUF and CZK to whole units, but Allegro sends
    them with two decimals and staff must see exactly what the buyer paid.
    """
    if value is None:
        return ""
    return MONEY_PATTERN.apply(
        value.amount, _babel_locale(_locale()), currency=str(value.currency), currency_digits=False
    )


@register.filter
def thousands(value: int) -> str:
    """A whole number grouped as the UI language writes it: "10 000" / "10,000"."""
    return format_decimal(value, locale=_locale())


@register.filter
def capped_count(value: int) -> str:
    """A count taken up to COUNT_CAP + 1 (shop.listing.capped_counts): "10 000", or "more
    than 10 000" when there were more, as the list's pager says it."""
    if value > listing.COUNT_CAP:
        return gettext("more than %(cap)s") % {"cap": thousands(listing.COUNT_CAP)}
    return thousands(value)


@register.simple_tag(takes_context=True)
def page_query(context: template.Context, number: int) -> str:
    """The current query string with another page number, so paging keeps the filters."""
    query = context["request"].GET.copy()
    query["page"] = number
    return f"?{query.urlencode()}"


@register.filter
def pretty_json(value: Any) -> str:
    """A stored JSON document indented for reading; non-ASCII names stay readable."""
    return json.dumps(value, indent=2, ensure_ascii=False)


@register.filter
def notice(value: Any) -> str:
    """A stored reason or error (shop.notices) said in the reader's language; text stored
    as text, or someone else's words, as it came. Escaped by the template as usual."""
    return notice_text(value)
