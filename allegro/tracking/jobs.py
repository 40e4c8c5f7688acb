"""RQ entry points of parcel tracking."""

from allegro.accounts.clients import client_for_account
from allegro.tracking.services import parcels_refresh


def refresh_parcel_tracking() -> dict[str, int]:
    """Periodic: ask Allegro about every parcel whose turn it is."""
    return parcels_refresh(client_for=client_for_account)
