"""Goods that came back: the channel-neutral record of returned quantities per line.

A channel (Allegro's customer returns) calls `sales_order_return_record` when an operator
accepts a return; the ERP hears `sales_order_return_recorded` and corrects the invoice.
"""

import logging
from collections.abc import Mapping

from django.contrib.auth.models import AnonymousUser, User
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from sales.models import (
    SalesOrder,
    SalesOrderEvent,
    SalesOrderLine,
    SalesOrderReturn,
    SalesOrderReturnLine,
)
from sales.services import SalesOrderRefused, _acting
from sales.signals import sales_order_return_recorded

logger = logging.getLogger(__name__)


def returned_quantities(*, order_id: int) -> dict[int, int]:
    """Line id -> how many of it came back so far."""
    rows = (
        SalesOrderReturnLine.objects.filter(sales_return__order_id=order_id)
        .values("line_id")
        .annotate(total=Sum("quantity"))
    )
    return {row["line_id"]: row["total"] for row in rows}


@transaction.atomic
def sales_order_return_record(
    *,
    order_id: int,
    reference: str,
    quantities: Mapping[int, int],
    reason: str = "",
    user: User | AnonymousUser | None,
) -> SalesOrderReturn:
    """Record that `quantities` (line id -> count) came back; the same `reference` again
    returns the record made before. More than was sold less what came back already is
    refused, as is a line of another order."""
    order = SalesOrder.objects.select_for_update().get(pk=order_id)
    existing = SalesOrderReturn.objects.filter(order=order, reference=reference).first()
    if existing is not None:
        return existing
    wanted = {line_id: qty for line_id, qty in quantities.items() if qty}
    if not wanted:
        raise SalesOrderRefused(_("Choose at least one line that came back."))
    lines = {line.pk: line for line in SalesOrderLine.objects.filter(order=order)}
    already = returned_quantities(order_id=order.pk)
    for line_id, quantity in wanted.items():
        line = lines.get(line_id)
        if line is None:
            raise SalesOrderRefused(_("The returned line is not a line of this order."))
        left = line.quantity - already.get(line_id, 0)
        if not 0 < quantity <= left:
            raise SalesOrderRefused(
                _("%(name)s: %(quantity)s returned, but only %(left)s can still come back.")
                % {"name": line.name, "quantity": quantity, "left": left}
            )
    sales_return = SalesOrderReturn.objects.create(
        order=order, reference=reference, reason=reason[:255], created_by=_acting(user)
    )
    SalesOrderReturnLine.objects.bulk_create(
        SalesOrderReturnLine(sales_return=sales_return, line_id=line_id, quantity=quantity)
        for line_id, quantity in sorted(wanted.items())
    )
    SalesOrderEvent.objects.create(
        order=order,
        type=SalesOrderEvent.Type.RETURN_RECORDED,
        user=_acting(user),
        message=", ".join(f"{lines[i].name} × {q}" for i, q in sorted(wanted.items())),
    )
    sales_order_return_recorded.send(
        sender=SalesOrder, order=order, sales_return=sales_return, user=_acting(user)
    )
    logger.info(
        "sales.return.recorded", extra={"order_id": order.pk, "sales_return_id": sales_return.pk}
    )
    return sales_return
