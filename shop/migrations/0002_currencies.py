from django.db import migrations

HOME_CURRENCY = "PLN"
FOREIGN_CURRENCIES = ("CZK", "EUR", "HUF")


def add_currencies(apps, schema_editor):
    Currency = apps.get_model("shop", "Currency")
    Currency.objects.get_or_create(code=HOME_CURRENCY, defaults={"is_available": True})
    for code in FOREIGN_CURRENCIES:
        # Switched off until the ERP makes them available.
        Currency.objects.get_or_create(code=code, defaults={"is_available": False})


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]
    operations = [migrations.RunPython(add_currencies, migrations.RunPython.noop)]
