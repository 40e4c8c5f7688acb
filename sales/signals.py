"""What sales announces for other apps to hear; it never knows who listens.

Receivers run inside the transaction of the change, so a row they write (e.g. "tell
Allegro") commits or rolls back together with it.
"""

from django.dispatch import Signal

# kwargs: order (SalesOrder), old_status (str), new_status (str), user (User | None)
sales_order_status_changed = Signal()
