from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from allegro.accounts.models import AllegroAccount
from sales.models import SalesOrderShipment
from shop.models import OneRowSettings


class ParcelTracking(models.Model):
    """The carrier's history of one tracking number the shop sent to Allegro, as Allegro
    reports it; asked again at `next_check_at` until the parcel is delivered or returned, or
    is too old to be worth asking (then `next_check_at` is empty)."""

    class Stop(models.TextChoices):
        DELIVERED = "DELIVERED", _("delivered")
        RETURNED = "RETURNED", _("returned")
        EXPIRED = "EXPIRED", _("no longer followed (too old)")

    shipment = models.OneToOneField(
        SalesOrderShipment, on_delete=models.CASCADE, related_name="allegro_tracking"
    )
    account = models.ForeignKey(
        AllegroAccount, on_delete=models.CASCADE, related_name="parcel_trackings"
    )
    carrier_id = models.CharField(_("carrier"), max_length=64)
    waybill = models.CharField(_("tracking number"), max_length=64)
    # When Allegro took the tracking number: the age that sets how often it is asked.
    sent_at = models.DateTimeField(_("sent to Allegro"))
    # [{"code": "IN_TRANSIT", "at": "2026-...Z", "description": ""}, ...], oldest first
    statuses = models.JSONField(_("history"), default=list, blank=True)
    latest_code = models.CharField(_("latest status"), max_length=32, blank=True)
    latest_at = models.DateTimeField(_("latest status at"), null=True, blank=True)
    next_check_at = models.DateTimeField(_("next check"), null=True, blank=True)
    stopped = models.CharField(_("stopped"), max_length=10, choices=Stop.choices, blank=True)
    checks = models.PositiveIntegerField(_("checks"), default=0)
    checked_at = models.DateTimeField(_("last checked"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("parcel tracking")
        verbose_name_plural = _("parcel trackings")
        ordering = ["-sent_at", "-id"]
        indexes = [
            models.Index(
                fields=["next_check_at"],
                condition=Q(next_check_at__isnull=False),
                name="allegro_parcel_due_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(stopped="") | Q(next_check_at__isnull=True),
                name="allegro_parcel_stopped_not_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.carrier_id} {self.waybill} {self.latest_code}"


class TrackingSettings(OneRowSettings):
    """The shop's choices for parcel tracking: one row."""

    delivered_marks_picked_up = models.BooleanField(
        _("mark an order picked up when its parcel is delivered"),
        default=False,
        help_text=_(
            "When the carrier reports every parcel of a sent order delivered, the order becomes"
            " “Picked up”, recorded in its history as done by parcel tracking."
        ),
    )

    class Meta:
        verbose_name = _("parcel tracking settings")
        verbose_name_plural = _("parcel tracking settings")
        constraints = [models.CheckConstraint(condition=Q(id=1), name="allegro_tracking_one_row")]

    def __str__(self) -> str:
        return str(self.delivered_marks_picked_up)
