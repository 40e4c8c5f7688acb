"""RQ entry points of the write-back to Allegro."""

from allegro.accounts.clients import client_for_account
from allegro.writeback.services import write_perform, writes_sweep


def perform_write(write_id: int) -> str:
    """Carry out one write to Allegro (status, tracking number, invoice) if it is due."""
    return write_perform(write_id=write_id, client_for=client_for_account)


def sweep_writes() -> int:
    """Periodic: queue again the writes whose jobs were lost or that waited out a pause."""
    return writes_sweep()
