"""What a channel's app adds to the sales pages, supplied by that app.

`sales` knows no channel; a channel app registers functions at start-up (AppConfig.ready):
one that returns (label, url) for an order of its channel, or None; any number that return a
panel (template name, context) for the order's page, or None; and one that names a
marketplace of the channel as staff know it ("allegro-cz" is "allegro.cz"). Any app (the ERP)
may add actions to the order list's head: a template that checks its own permissions; and
bulk actions to the list's selection (a BulkAction: its button, its permission, its view).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest, HttpResponse

from sales.models import SalesOrder

# A panel registered for this "channel" shows on every order's page (e.g. the ERP's).
ANY_CHANNEL = "*"
SourceLink = tuple[str, str]
OrderPanel = tuple[str, dict[str, Any]]
_source_links: dict[str, Callable[[SalesOrder], SourceLink | None]] = {}
PanelFunction = Callable[[SalesOrder, HttpRequest], OrderPanel | None]
# Several per channel (its write-back, its claims, its parcels...), in the order registered.
_order_panels: dict[str, list[PanelFunction]] = {}
_marketplace_names: dict[str, Callable[[str], str]] = {}
_list_actions: list[str] = []

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class BulkAction:
    """An action another app offers on the orders selected in the list (the ERP: "send to the
    ERP"). `perform(request, order_ids)` is called only for users with `permission`, with the
    ids of the orders chosen (at most sales.forms.BULK_MAX_ORDERS, oldest first); it returns the
    page that shows what became of them."""

    name: str
    label: "StrOrPromise"
    permission: str
    perform: Callable[[HttpRequest, list[int]], HttpResponse]


_bulk_actions: dict[str, BulkAction] = {}


def source_link_register(channel: str, link: Callable[[SalesOrder], SourceLink | None]) -> None:
    _source_links[channel] = link


def source_link(order: SalesOrder) -> SourceLink | None:
    link = _source_links.get(order.channel)
    return link(order) if link else None


def order_panel_register(channel: str, panel: PanelFunction) -> None:
    registered = _order_panels.setdefault(channel, [])
    if panel not in registered:  # ready() may run twice (tests)
        registered.append(panel)


def order_panels(order: SalesOrder, request: HttpRequest) -> list[OrderPanel]:
    """The panels the order's channel shows on its page, then those shown for any channel."""
    panels = [*_order_panels.get(order.channel, ()), *_order_panels.get(ANY_CHANNEL, ())]
    shown = [panel(order, request) for panel in panels]
    return [one for one in shown if one]


def marketplace_name_register(channel: str, name: Callable[[str], str]) -> None:
    _marketplace_names[channel] = name


def marketplace_name(order: SalesOrder) -> str:
    """Where the order was sold, in the channel's own words; the channel's id if it says none."""
    if not order.marketplace:
        return order.channel
    name = _marketplace_names.get(order.channel)
    return name(order.marketplace) if name else f"{order.channel} · {order.marketplace}"


def list_actions_register(template_name: str) -> None:
    if template_name not in _list_actions:
        _list_actions.append(template_name)


def list_actions() -> list[str]:
    """Templates of the actions other apps add to the order list's head."""
    return list(_list_actions)


def bulk_action_register(action: BulkAction) -> None:
    _bulk_actions[action.name] = action


def bulk_action_get(name: str) -> BulkAction | None:
    return _bulk_actions.get(name)


def bulk_actions(request: HttpRequest) -> list[BulkAction]:
    """The bulk actions of other apps that this user may use."""
    return [one for one in _bulk_actions.values() if request.user.has_perm(one.permission)]
