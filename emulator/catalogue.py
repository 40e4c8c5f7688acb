"""Static reference data: the seller, marketplaces, the product catalogue, carriers, people.

`CATALOGUE` lists the external ids (SKUs) every generated offer carries; the demo seeds shop
products with the same SKUs so orders match them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal

SELLER = {
    "id": "44012345",
    "login": "sklep_demo",
    "firstName": "Anna",
    "lastName": "Demo",
    "email": "sklep_demo@example.pl",
    "baseMarketplace": {"id": "allegro-pl"},
    "company": {"name": "Sklep Demo sp. z o.o.", "taxId": "5260250274"},
    "features": [],
}


@dataclass(frozen=True)
class Product:
    sku: str
    offer_id: str
    name: str
    price_pln: Decimal


CATALOGUE: tuple[Product, ...] = (
    Product("VAC-252", "17098765432", "Odkurzacz bezprzewodowy 2w1 25,2 V", Decimal("549.00")),
    Product("BAG-252", "17098765499", "Filtry HEPA do odkurzacza 25,2 V, 2 szt.", Decimal("39.90")),
    Product("KET-17", "17012345678", "Czajnik elektryczny 1,7 l stal", Decimal("149.99")),
    Product("FLT-02", "17012399901", "Filtr antywapienny do czajnika", Decimal("24.50")),
    Product("IRN-24", "17055500124", "Żelazko parowe 2400 W", Decimal("189.00")),
    Product("BLN-12", "17055500212", "Blender kielichowy 1200 W", Decimal("279.00")),
    Product("TST-02", "17055500302", "Toster na 2 kromki, stal szczotkowana", Decimal("119.00")),
    Product("COF-15", "17055500415", "Ekspres kolbowy 15 bar z młynkiem", Decimal("699.00")),
    Product("FAN-40", "17055500540", "Wentylator stojący 40 cm, pilot", Decimal("159.00")),
    Product("HDR-22", "17055500622", "Suszarka do włosów 2200 W z jonizacją", Decimal("99.99")),
    Product("SCL-05", "17055500705", "Waga kuchenna elektroniczna do 5 kg", Decimal("49.90")),
)
SKUS: tuple[str, ...] = tuple(product.sku for product in CATALOGUE)


@dataclass(frozen=True)
class DeliveryOption:
    kind: str  # "pickup", "courier" or "cod"
    method_id: str
    name: str
    cost: Decimal
    carrier: str
    # (id, name, description, street, zip, city) of pickup points; empty for couriers
    points: tuple[tuple[str, str, str, str, str, str], ...] = ()


@dataclass(frozen=True)
class Market:
    id: str
    name: str
    currency: str
    country: str
    language: str
    vat: str
    phone_prefix: str
    deliveries: tuple[DeliveryOption, ...]

    def local_price(self, pln: Decimal) -> Decimal:
        """Shelf price in this market's currency, rounded the way shops round (…9, …99)."""
        if self.currency == "PLN":
            return pln
        if self.currency == "CZK":
            return ((pln * Decimal("5.8")) / 10).quantize(Decimal("1"), ROUND_HALF_UP) * 10 - 1
        if self.currency == "EUR":
            whole = (pln * Decimal("0.235")).quantize(Decimal("1"), ROUND_HALF_UP)
            return max(whole, Decimal("1")) - Decimal("0.01")
        whole = ((pln * 92) / 100).quantize(Decimal("1"), ROUND_HALF_UP) * 100
        return max(whole, Decimal("100")) - 10


PL_LOCKERS = (
    ("KRA01M", "Paczkomat KRA01M", "Przy sklepie Żabka", "Długa 12", "31-147", "Kraków"),
    ("WAW22A", "Paczkomat WAW22A", "Stacja paliw Orlen", "Puławska 145", "02-715", "Warszawa"),
    ("POZ08A", "Paczkomat POZ08A", "Stacja paliw BP", "Grunwaldzka 108", "60-166", "Poznań"),
    ("GDA117M", "Paczkomat GDA117M", "Parking Lidl", "Kartuska 210", "80-122", "Gdańsk"),
    ("WRO45N", "Paczkomat WRO45N", "Obok apteki", "Legnicka 57", "54-203", "Wrocław"),
)
CZ_POINTS = (
    (
        "9290",
        "Z-BOX Praha 2, Korunní 74",
        "Výdejní box Zásilkovna, nonstop",
        "Korunní 1208/74",
        "120 00",
        "Praha",
    ),
    (
        "1405",
        "Brno, Masarykova 12 (trafika)",
        "Výdejní místo Zásilkovna",
        "Masarykova 12",
        "602 00",
        "Brno",
    ),
    (
        "15437",
        "Z-BOX Ostrava, Nádražní 44",
        "Výdejní box Zásilkovna, nonstop",
        "Nádražní 44",
        "702 00",
        "Ostrava",
    ),
    (
        "4381",
        "Plzeň, Americká 38 (Albert)",
        "Výdejní místo Zásilkovna",
        "Americká 38",
        "301 00",
        "Plzeň",
    ),
)
SK_POINTS = (
    (
        "20419",
        "Z-BOX Bratislava, Obchodná 5",
        "Výdajný box Packeta, nonstop",
        "Obchodná 5",
        "811 06",
        "Bratislava",
    ),
    (
        "7201",
        "Košice, Hlavná 65 (Tabak)",
        "Výdajné miesto Packeta",
        "Hlavná 65",
        "040 01",
        "Košice",
    ),
)
HU_POINTS = (
    (
        "23751",
        "Z-BOX Budapest, Váci út 12",
        "Packeta csomagautomata",
        "Váci út 12",
        "1132",
        "Budapest",
    ),
    (
        "18822",
        "Debrecen, Piac utca 20 (trafik)",
        "Packeta átvételi pont",
        "Piac utca 20",
        "4025",
        "Debrecen",
    ),
)

MARKETS: dict[str, Market] = {
    "allegro-pl": Market(
        "allegro-pl",
        "Allegro.pl",
        "PLN",
        "PL",
        "pl-PL",
        "23.00",
        "+48",
        (
            DeliveryOption(
                "pickup",
                "2488f7b7-5d1c-4d65-b85c-4cbcf253fd93",
                "Allegro Paczkomaty InPost",
                Decimal("9.99"),
                "INPOST",
                PL_LOCKERS,
            ),
            DeliveryOption(
                "courier",
                "c3066682-97a3-42fe-9eb5-3beeccab840c",
                "Allegro Kurier DPD",
                Decimal("14.99"),
                "DPD",
            ),
            DeliveryOption(
                "courier",
                "9081532b-5ad3-467d-80bc-9252982e9dd8",
                "Allegro Kurier24 InPost",
                Decimal("12.99"),
                "INPOST",
            ),
            DeliveryOption(
                "cod",
                "0d5a3ad4-cc3c-4c67-9b2b-1bd7e3c05f3f",
                "Allegro Kurier DPD pobranie",
                Decimal("19.99"),
                "DPD",
            ),
        ),
    ),
    "allegro-cz": Market(
        "allegro-cz",
        "Allegro.cz",
        "CZK",
        "CZ",
        "cs-CZ",
        "21.00",
        "+420",
        (
            DeliveryOption(
                "pickup",
                "714d388f-6ef4-4bc0-a424-36d2032265ad",
                "Allegro Wysyłka z Polski do Czech - Odbiór w Punkcie Packeta",
                Decimal("79.00"),
                "PACKETA",
                CZ_POINTS,
            ),
            DeliveryOption(
                "courier",
                "5d3b6e1c-1f0e-4a53-8a4d-77e0c1f3a2b9",
                "Allegro Wysyłka z Polski do Czech - Kurier DPD",
                Decimal("119.00"),
                "DPD",
            ),
        ),
    ),
    "allegro-sk": Market(
        "allegro-sk",
        "Allegro.sk",
        "EUR",
        "SK",
        "sk-SK",
        "23.00",
        "+421",
        (
            DeliveryOption(
                "pickup",
                "f7a1c2d3-8b4e-4c5f-9a6b-0c1d2e3f4a5b",
                "Allegro Wysyłka z Polski na Słowację - Odbiór w Punkcie Packeta",
                Decimal("2.99"),
                "PACKETA",
                SK_POINTS,
            ),
            DeliveryOption(
                "courier",
                "a9b8c7d6-e5f4-4a3b-8c2d-1e0f9a8b7c6d",
                "Allegro Wysyłka z Polski na Słowację - Kurier DPD",
                Decimal("4.99"),
                "DPD",
            ),
        ),
    ),
    "allegro-hu": Market(
        "allegro-hu",
        "Allegro.hu",
        "HUF",
        "HU",
        "hu-HU",
        "27.00",
        "+36",
        (
            DeliveryOption(
                "pickup",
                "3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f",
                "Allegro Wysyłka z Polski na Węgry - Odbiór w Punkcie Packeta",
                Decimal("1190.00"),
                "PACKETA",
                HU_POINTS,
            ),
            DeliveryOption(
                "courier",
                "6e5d4c3b-2a1f-4e0d-9c8b-7a6f5e4d3c2b",
                "Allegro Wysyłka z Polski na Węgry - Kurier GLS",
                Decimal("1990.00"),
                "GLS",
            ),
        ),
    ),
}

# business.allegro.pl (since September 2025): Polish companies buying in PLN, with a NIP on the
# invoice; the offers, deliveries and people of allegro.pl.
MARKETS["allegro-business-pl"] = replace(
    MARKETS["allegro-pl"], id="allegro-business-pl", name="Allegro Business"
)

MARKETPLACES = [
    {
        "id": market.id,
        "languages": {
            "offerCreation": [{"code": "pl-PL"}],
            "offerDisplay": [{"code": market.language}],
        },
        "currencies": {"base": {"code": market.currency}, "additional": []},
        "shippingCountries": [{"code": market.country}],
    }
    for market in MARKETS.values()
] + [
    {
        "id": "allegro-business-cz",
        "languages": {"offerCreation": [{"code": "pl-PL"}], "offerDisplay": [{"code": "cs-CZ"}]},
        "currencies": {"base": {"code": "CZK"}, "additional": []},
        "shippingCountries": [{"code": "CZ"}],
    }
]

# Allegro's current list: `WEDO` went on 11 May 2026 and `ALLEGRO` (Allegro One) on 9 June 2026
# (allegro-api#13154, #13267); such parcels go through "Wysyłam z Allegro" instead.
CARRIERS = [
    {"id": "INPOST", "name": "InPost"},
    {"id": "DPD", "name": "DPD"},
    {"id": "DHL", "name": "DHL"},
    {"id": "GLS", "name": "GLS"},
    {"id": "POCZTA_POLSKA", "name": "Poczta Polska"},
    {"id": "UPS", "name": "UPS"},
    {"id": "FEDEX", "name": "FedEx"},
    {"id": "PACKETA", "name": "Packeta (Zásilkovna)"},
    {"id": "ORLEN_PACZKA", "name": "ORLEN Paczka"},
    {"id": "CESKA_POSTA", "name": "Česká pošta"},
    {"id": "SLOVENSKA_POSTA", "name": "Slovenská pošta"},
    {"id": "MAGYAR_POSTA", "name": "Magyar Posta"},
    {"id": "PPL", "name": "PPL"},
    {"id": "OTHER"},
]
CARRIER_IDS = frozenset(carrier["id"] for carrier in CARRIERS)
# Removed carrier ids and the day Allegro stopped taking them: a shipment naming one is a 400.
REMOVED_CARRIERS = {"WEDO": "2026-05-11", "ALLEGRO": "2026-06-09"}

# (first name, is female), (male surname, female surname), (street, post code, city)
PEOPLE: dict[str, dict[str, tuple]] = {
    "allegro-pl": {
        "first": (
            ("Jan", 0),
            ("Anna", 1),
            ("Piotr", 0),
            ("Katarzyna", 1),
            ("Tomasz", 0),
            ("Agnieszka", 1),
            ("Michał", 0),
            ("Małgorzata", 1),
            ("Paweł", 0),
            ("Magdalena", 1),
            ("Krzysztof", 0),
            ("Żaneta", 1),
            ("Łukasz", 0),
        ),
        "last": (
            ("Kowalski", "Kowalska"),
            ("Nowak", "Nowak"),
            ("Wiśniewski", "Wiśniewska"),
            ("Wójcik", "Wójcik"),
            ("Lewandowski", "Lewandowska"),
            ("Zieliński", "Zielińska"),
            ("Szymański", "Szymańska"),
            ("Woźniak", "Woźniak"),
            ("Dąbrowski", "Dąbrowska"),
            ("Grzegorczyk", "Grzegorczyk"),
        ),
        "address": (
            ("ul. Floriańska 15/3", "31-019", "Kraków"),
            ("ul. Marszałkowska 84/92 m. 12", "00-514", "Warszawa"),
            ("ul. Półwiejska 32", "61-888", "Poznań"),
            ("ul. Długa 45", "80-831", "Gdańsk"),
            ("ul. Świdnicka 8", "50-066", "Wrocław"),
            ("ul. Piotrkowska 120", "90-006", "Łódź"),
            ("ul. Mariacka 7", "40-014", "Katowice"),
        ),
    },
    "allegro-cz": {
        "first": (
            ("Jan", 0),
            ("Petra", 1),
            ("Tomáš", 0),
            ("Lucie", 1),
            ("Martin", 0),
            ("Eva", 1),
            ("Jakub", 0),
            ("Tereza", 1),
            ("Jiří", 0),
        ),
        "last": (
            ("Novák", "Nováková"),
            ("Dvořák", "Dvořáková"),
            ("Svoboda", "Svobodová"),
            ("Černý", "Černá"),
            ("Procházka", "Procházková"),
            ("Kučera", "Kučerová"),
            ("Veselý", "Veselá"),
            ("Horák", "Horáková"),
        ),
        "address": (
            ("Vinohradská 1511/230", "100 00", "Praha"),
            ("Husova 18", "602 00", "Brno"),
            ("Stodolní 8", "702 00", "Ostrava"),
            ("Klatovská 52", "301 00", "Plzeň"),
            ("Třída Svobody 21", "779 00", "Olomouc"),
        ),
    },
    "allegro-sk": {
        "first": (
            ("Peter", 0),
            ("Zuzana", 1),
            ("Martin", 0),
            ("Jana", 1),
            ("Lukáš", 0),
            ("Katarína", 1),
            ("Ján", 0),
        ),
        "last": (
            ("Horváth", "Horváthová"),
            ("Kováč", "Kováčová"),
            ("Varga", "Vargová"),
            ("Tóth", "Tóthová"),
            ("Baláž", "Balážová"),
            ("Szabó", "Szabóová"),
        ),
        "address": (
            ("Obchodná 22", "811 06", "Bratislava"),
            ("Hlavná 40", "040 01", "Košice"),
            ("Národná 11", "010 01", "Žilina"),
            ("Štefánikova 7", "949 01", "Nitra"),
        ),
    },
    "allegro-hu": {
        "first": (
            ("László", 0),
            ("Eszter", 1),
            ("Gábor", 0),
            ("Katalin", 1),
            ("Zoltán", 0),
            ("Anna", 1),
            ("Péter", 0),
        ),
        "last": (
            ("Nagy", "Nagy"),
            ("Kovács", "Kovács"),
            ("Tóth", "Tóth"),
            ("Szabó", "Szabó"),
            ("Horváth", "Horváth"),
            ("Varga", "Varga"),
            ("Kiss", "Kiss"),
        ),
        "address": (
            ("Andrássy út 45", "1061", "Budapest"),
            ("Piac utca 31", "4025", "Debrecen"),
            ("Kárász utca 9", "6720", "Szeged"),
            ("Király utca 14", "7621", "Pécs"),
        ),
    },
}
PEOPLE["allegro-business-pl"] = PEOPLE["allegro-pl"]
