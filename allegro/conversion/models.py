from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from allegro.accounts.models import AllegroAccount


class OfferProductLink(models.Model):
    """An offer whose external id is not a shop SKU, tied to its product once by an operator."""

    account = models.ForeignKey(AllegroAccount, on_delete=models.CASCADE, related_name="+")
    offer_id = models.CharField(_("offer id"), max_length=32)
    product = models.ForeignKey("shop.Product", on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("offer–product link")
        verbose_name_plural = _("offer–product links")
        constraints = [
            models.UniqueConstraint(
                fields=["account", "offer_id"], name="allegro_offer_link_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.offer_id} → {self.product_id}"
