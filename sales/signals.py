"""What sales announces for other apps to hear; it never knows who listens.

Receivers run inside the transaction of the change, so a row they write (e.g. "tell
Allegro") commits or rolls back together with it.
"""

from django.dispatch import Signal

# kwargs: order (SalesOrder), event (SalesOrderEvent), old_status, new_status, user
sales_order_status_changed = Signal()
# kwargs: order (SalesOrder), shipment (SalesOrderShipment), user
sales_order_shipment_added = Signal()
# kwargs: order (SalesOrder), shipment (SalesOrderShipment), user; sent before the shipment is
# deleted. A receiver cancels what it would still send, or refuses the removal (the number is
# sent or being sent) by raising sales.services.SalesOrderRefused, which rolls it all back.
sales_order_shipment_removing = Signal()
# kwargs: order (SalesOrder), invoice (SalesOrderInvoice), user. Sent when an invoice gets its
# PDF, and again when its KSeF state changes afterwards: a receiver asks
# invoice.buyer_may_receive() each time and must be idempotent per invoice.
sales_order_invoice_attached = Signal()
# kwargs: order (SalesOrder), event (SalesOrderEvent), resolution (AttentionResolution value),
# user. Sent when an operator lifts the hold of an order that needed attention; with CANCEL the
# order's status change to CANCELLED follows (and is announced) right after, in the same
# transaction.
sales_order_attention_resolved = Signal()
# kwargs: order (SalesOrder), sales_return (SalesOrderReturn), user. Sent once per return when
# goods are recorded as come back (the ERP then corrects the invoice).
sales_order_return_recorded = Signal()
