from decimal import Decimal
from typing import Any

from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand
from djmoney.money import Money

from shop.models import Product, ShopSettings, ShopVariant
from shop.roles import ADMINISTRATOR, OPERATOR

# Demo sign-ins; they exist only where this command is run (the demo), never in migrations.
DEMO_USERS = (
    ("operator", "operator", OPERATOR, False),
    ("admin", "admin", ADMINISTRATOR, True),
)

# The shop's catalogue; the SKUs are the offers' external ids in the Allegro emulator.
DEMO_PRODUCTS = (
    ("VAC-252", "5901234121002", "Odkurzacz bezprzewodowy 2w1 25,2 V", "23", "549.00"),
    ("BAG-252", "5901234121019", "Filtry HEPA do odkurzacza 25,2 V, 2 szt.", "23", "39.90"),
    ("KET-17", "5901234121026", "Czajnik elektryczny 1,7 l stal", "23", "149.99"),
    ("FLT-02", "5901234121033", "Filtr antywapienny do czajnika", "23", "24.50"),
    ("IRN-24", "5901234121040", "Żelazko parowe 2400 W", "23", "189.00"),
    ("BLN-12", "5901234121057", "Blender kielichowy 1200 W", "23", "279.00"),
    ("TST-02", "5901234121064", "Toster na 2 kromki, stal szczotkowana", "23", "119.00"),
    ("COF-15", "5901234121071", "Ekspres kolbowy 15 bar z młynkiem", "23", "699.00"),
    ("FAN-40", "5901234121088", "Wentylator stojący 40 cm, pilot", "23", "159.00"),
    ("HDR-22", "5901234121095", "Suszarka do włosów 2200 W z jonizacją", "23", "99.99"),
    ("SCL-05", "5901234121101", "Waga kuchenna elektroniczna do 5 kg", "23", "49.90"),
)


class Command(BaseCommand):
    help = "Seed the demo shop: its users, products and variant (scripts/run connects Allegro)."

    def handle(self, *args: Any, **options: Any) -> None:
        first_run = not User.objects.filter(username=DEMO_USERS[0][0]).exists()
        if first_run:
            # The demo shop may sell abroad; which currencies it has is the ERP's to say
            # (CZK is off in the ERP simulator until someone switches it on there).
            ShopSettings.objects.update_or_create(
                id=1, defaults={"variant": ShopVariant.ENTERPRISE}
            )
        for username, password, role, is_staff in DEMO_USERS:
            user, created = User.objects.get_or_create(
                username=username, defaults={"is_staff": is_staff}
            )
            if created:
                user.set_password(password)
                user.save(update_fields=["password"])
            user.groups.add(Group.objects.get(name=role))
        for sku, ean, name, vat_rate, price in DEMO_PRODUCTS:
            # django-stubs types djmoney's MoneyField as its base DecimalField; it holds Money.
            Product.objects.get_or_create(  # type: ignore[misc]
                sku=sku,
                defaults={
                    "ean": ean,
                    "name": name,
                    "vat_rate": Decimal(vat_rate),
                    "price": Money(Decimal(price), "PLN"),
                },
            )
