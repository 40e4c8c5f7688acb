from django.contrib import admin
from django.http import HttpRequest

from shop.models import Currency, Product, ShopSettings


class FixedRowsAdmin(admin.ModelAdmin):
    """Rows the application creates and keeps (a settings row, the currencies, orders): staff
    may change what the admin shows, never add a row or delete one."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class ReadOnlyAdmin(FixedRowsAdmin):
    """Rows that only the application writes (imports, syncs): staff may look, never edit."""

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    """The lines or history of a row, shown beside it and never edited there."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(ShopSettings)
class ShopSettingsAdmin(FixedRowsAdmin):
    """One row, created by ShopSettings.load(): neither a second one nor none at all."""

    list_display = ["__str__", "variant", "updated_at"]
    readonly_fields = ["updated_at"]


@admin.register(Currency)
class CurrencyAdmin(FixedRowsAdmin):
    """The set of currencies is fixed by settings.CURRENCIES (and a check constraint)."""

    list_display = ["code", "is_available", "updated_at"]
    readonly_fields = ["code", "updated_at"]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["sku", "name", "ean", "vat_rate", "price", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["sku", "name", "ean"]
    readonly_fields = ["created_at", "updated_at"]
