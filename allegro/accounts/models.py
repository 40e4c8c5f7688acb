from django.db import models
from django.utils.translation import gettext_lazy as _

from allegro.marketplaces import MARKETPLACE_CHOICES


class AllegroAccount(models.Model):
    """A seller's Allegro account connected with OAuth; one account covers every marketplace."""

    class Status(models.TextChoices):
        CONNECTED = "CONNECTED", _("Connected")
        RECONNECT_NEEDED = "RECONNECT_NEEDED", _("Reconnect needed")
        # An administrator disconnected it: tokens forgotten, its orders kept.
        DISCONNECTED = "DISCONNECTED", _("Disconnected")

    seller_id = models.CharField(_("seller id"), max_length=32, unique=True)
    login = models.CharField(_("login"), max_length=128)
    # What staff call the account in lists (e.g. "CZ" or a brand); the login until renamed.
    name = models.CharField(_("name"), max_length=64, blank=True)
    # Paused by an administrator: nothing is imported, converted or written for it meanwhile;
    # its writes wait as PENDING and go once it is resumed.
    paused = models.BooleanField(_("paused"), default=False)
    base_marketplace = models.CharField(
        _("base marketplace"), max_length=32, choices=MARKETPLACE_CHOICES
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.CONNECTED
    )
    status_reason = models.CharField(_("status reason"), max_length=255, blank=True)

    # Fernet ciphertexts (allegro.tokens); the plain tokens never touch the database or logs.
    access_token_encrypted = models.TextField(editable=False)
    refresh_token_encrypted = models.TextField(editable=False)
    access_token_expires_at = models.DateTimeField(editable=False)

    # Import progress: the journal cursor moves only in the transaction that stores its orders.
    events_cursor = models.CharField(max_length=64, blank=True, editable=False)
    backfill_completed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # A backfill interrupted (Allegro failing, a worker killed) goes on from where it stopped:
    # the window it covers, how far its pages are stored, how far the journal's past is.
    backfill_until = models.DateTimeField(null=True, blank=True, editable=False)
    backfill_position = models.DateTimeField(null=True, blank=True, editable=False)
    backfill_history_from = models.CharField(max_length=64, blank=True, editable=False)
    reconciled_through = models.DateTimeField(null=True, blank=True, editable=False)
    last_import_at = models.DateTimeField(_("last import"), null=True, blank=True)
    auto_create_orders = models.BooleanField(
        _("Create orders for offers automatically"),
        default=False,
        help_text=_("Every paid Allegro order becomes a sales order as soon as it is imported."),
    )
    # The automatic conversion takes only orders bought at or after this moment: when it was
    # switched on, or a date the administrator chose. Older orders are converted by hand.
    auto_convert_from = models.DateTimeField(
        _("Create orders automatically for orders bought since"), null=True, blank=True
    )
    last_import_error = models.TextField(_("last import error"), blank=True)

    # Staff can hold back each kind of write to Allegro (e.g. while fixing a mapping).
    fulfillment_writes_paused = models.BooleanField(_("status updates paused"), default=False)
    shipment_writes_paused = models.BooleanField(_("tracking numbers paused"), default=False)
    invoice_writes_paused = models.BooleanField(_("invoices paused"), default=False)
    invoices_for_everyone = models.BooleanField(
        _("Send invoices to every buyer"),
        default=False,
        help_text=_("Otherwise only to buyers who asked for an invoice."),
    )

    connected_at = models.DateTimeField(_("connected at"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Allegro account")
        verbose_name_plural = _("Allegro accounts")
        ordering = ["login"]
        permissions = [("manage_allegro_settings", _("Can manage Allegro settings and accounts"))]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.name or self.login

    @property
    def is_active(self) -> bool:
        """Connected and not paused: its import, conversion and writes run."""
        return self.is_connected and not self.paused

    @property
    def is_connected(self) -> bool:
        return self.status == self.Status.CONNECTED
