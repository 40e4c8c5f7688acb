"""RQ entry points of the write-back to Allegro."""

from functools import partial

from allegro.accounts.clients import client_for_account
from allegro.api.budget import WRITE
from allegro.writeback.services import write_perform, writes_sweep


def perform_write(write_id: int) -> str:
    """Carry out one write to Allegro (status, tracking number, invoice) if it is due."""
    # Writes go before imports in the shared request budget.
    return write_perform(write_id=write_id, client_for=partial(client_for_account, priority=WRITE))


def sweep_writes() -> int:
    """Periodic: queue again the writes whose jobs were lost or that waited out a pause."""
    return writes_sweep()
