"""RQ entry points of commission refund claims."""

from functools import partial

from allegro.accounts.clients import client_for_account
from allegro.api.budget import WRITE
from allegro.claims.services import refund_claim_send, refund_claim_sync, refund_claims_follow


def send_refund_claim(claim_id: int) -> str:
    """File one recorded claim with Allegro, once."""
    return refund_claim_send(
        claim_id=claim_id, client_for=partial(client_for_account, priority=WRITE)
    )


def sync_refund_claim(claim_id: int) -> str:
    """Cancel a filed claim if the operator asked, and read its status."""
    return refund_claim_sync(
        claim_id=claim_id, client_for=partial(client_for_account, priority=WRITE)
    )


def follow_refund_claims() -> dict[str, int]:
    """Periodic: file claims whose jobs were lost; follow filed ones until Allegro decides."""
    # It files claims too: writes go first in the shared request budget.
    return refund_claims_follow(client_for=partial(client_for_account, priority=WRITE))
