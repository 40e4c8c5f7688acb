"""Links from a sales order back to where it came from, supplied by the channel's app.

`sales` knows no channel; a channel app registers a function at start-up (AppConfig.ready)
that returns (label, url) for an order of its channel, or None.
"""

from collections.abc import Callable

from sales.models import SalesOrder

SourceLink = tuple[str, str]
_source_links: dict[str, Callable[[SalesOrder], SourceLink | None]] = {}


def source_link_register(channel: str, link: Callable[[SalesOrder], SourceLink | None]) -> None:
    _source_links[channel] = link


def source_link(order: SalesOrder) -> SourceLink | None:
    link = _source_links.get(order.channel)
    return link(order) if link else None
