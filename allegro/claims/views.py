from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from allegro.claims.forms import RefundClaimFilterForm, RefundClaimForm
from allegro.claims.models import RefundClaim
from allegro.claims.selectors import (
    claimable_lines,
    order_refund_claims,
    paid_and_not_returned,
    refund_claim_list,
)
from allegro.claims.services import (
    RefundClaimRefused,
    refund_claim_cancel_request,
    refund_claim_record,
)
from allegro.orders.models import AllegroOrder
from shop.listing import filtered_page
from shop.pages import next_or

VIEW_PERMISSION = "allegro.view_refundclaim"
CHANGE_PERMISSION = "allegro.add_refundclaim"


def _order_url(order: AllegroOrder) -> str:
    return reverse("allegro:orders:order_detail", args=[order.pk]) + "#refund-claims"


def refund_claims_panel(
    allegro_order: AllegroOrder, request: HttpRequest, next_url: str
) -> dict[str, Any] | None:
    """The context of the claims panel on an Allegro or a sales order's page."""
    if not request.user.has_perm(VIEW_PERMISSION):
        return None
    claims = order_refund_claims(allegro_order_id=allegro_order.pk)
    can_change = request.user.has_perm(CHANGE_PERMISSION)
    form = None
    if can_change and not allegro_order.is_superseded:
        form = RefundClaimForm(lines=claimable_lines(allegro_order=allegro_order, claims=claims))
        if not form.fields["line"].choices:  # type: ignore[attr-defined]
            form = None
    return {
        "allegro_order": allegro_order,
        "claims": claims,
        "form": form,
        "can_change": can_change,
        "paid_hint": paid_and_not_returned(allegro_order),
        "next": next_url,
    }


@require_POST
@permission_required(CHANGE_PERMISSION, raise_exception=True)
def claim_create(request: HttpRequest, pk: int) -> HttpResponse:
    order = get_object_or_404(AllegroOrder, pk=pk)
    target = next_or(request, _order_url(order))
    claims = order_refund_claims(allegro_order_id=order.pk)
    form = RefundClaimForm(request.POST, lines=claimable_lines(allegro_order=order, claims=claims))
    if not form.is_valid():
        errors = "; ".join(str(e) for errs in form.errors.values() for e in errs)
        messages.error(request, _("The claim was not recorded: %(errors)s") % {"errors": errors})
        return redirect(target)
    try:
        refund_claim_record(
            allegro_order_id=order.pk,
            line_id=form.cleaned_data["line"],
            quantity=form.cleaned_data["quantity"],
            user=request.user,
        )
    except RefundClaimRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(
            request, _("The commission refund claim is recorded and goes to Allegro shortly.")
        )
    return redirect(target)


@require_POST
@permission_required(CHANGE_PERMISSION, raise_exception=True)
def claim_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    claim = get_object_or_404(RefundClaim.objects.select_related("allegro_order"), pk=pk)
    target = next_or(request, _order_url(claim.allegro_order))
    try:
        claim = refund_claim_cancel_request(claim_id=claim.pk, user=request.user)
    except RefundClaimRefused as refusal:
        messages.error(request, str(refusal))
    else:
        if claim.state == RefundClaim.State.WITHDRAWN:
            messages.success(request, _("The claim was withdrawn before it reached Allegro."))
        else:
            messages.success(request, _("Allegro will be asked to cancel the claim."))
    return redirect(target)


@require_GET
@permission_required(VIEW_PERMISSION, raise_exception=True)
def claim_list(request: HttpRequest) -> HttpResponse:
    form = RefundClaimFilterForm(request.GET)
    page = filtered_page(request, form, refund_claim_list)
    context = {"title": _("Allegro ▸ Commission refunds"), "form": form, "page": page}
    return render(request, "allegro/claims/claim_list.html", context)


def sales_order_claims_panel(order: Any, request: HttpRequest) -> tuple[str, dict[str, Any]] | None:
    """The claims panel of a sales order made of an Allegro order (AllegroConfig.ready)."""
    allegro_order = AllegroOrder.objects.filter(sales_order=order).first()
    if allegro_order is None:
        return None
    next_url = reverse("sales:order_detail", args=[order.pk]) + "#refund-claims"
    panel = refund_claims_panel(allegro_order, request, next_url)
    return ("allegro/claims/_panel.html", panel) if panel else None
