"""The ready-made replies a new shop starts with; administrators edit them (Django admin ▸
Ready-made replies). Used by the migration that made the table and by tests that need them
back after a flush: it takes the model, so that a migration passes its historical one."""

from typing import Any

READY_REPLIES: dict[str, list[tuple[str, str]]] = {
    "pl": [
        (
            "Dziękujemy za zakup",
            (
                "Dzień dobry {buyer_name},\n\n"
                "dziękujemy za zakup. Zamówienie {order_number} przygotowujemy do wysyłki; numer "
                "przesyłki dostanie Pan/Pani, gdy tylko paczka wyjdzie.\n\n"
                "Pozdrawiamy"
            ),
        ),
        (
            "Paczka wysłana",
            (
                "Dzień dobry {buyer_name},\n\n"
                "zamówienie {order_number} zostało wysłane. Numer przesyłki jest w szczegółach "
                "zamówienia na Allegro.\n\n"
                "Pozdrawiamy"
            ),
        ),
    ],
    "en": [
        (
            "Thank you for your purchase",
            (
                "Hello {buyer_name},\n\n"
                "thank you for your purchase. We are preparing order {order_number} for shipping "
                "and will send you the tracking number as soon as the parcel leaves.\n\n"
                "Kind regards"
            ),
        ),
        (
            "Parcel sent",
            (
                "Hello {buyer_name},\n\n"
                "order {order_number} has been sent. The tracking number is in the order's details "
                "on Allegro.\n\n"
                "Kind regards"
            ),
        ),
    ],
    "cs": [
        (
            "Děkujeme za nákup",
            (
                "Dobrý den {buyer_name},\n\n"
                "děkujeme za nákup. Objednávku {order_number} připravujeme k odeslání; číslo "
                "zásilky vám pošleme, jakmile balík odejde.\n\n"
                "S pozdravem"
            ),
        ),
        (
            "Zásilka odeslána",
            (
                "Dobrý den {buyer_name},\n\n"
                "objednávka {order_number} byla odeslána. Číslo zásilky najdete v detailu "
                "objednávky na Allegro.\n\n"
                "S pozdravem"
            ),
        ),
    ],
    "sk": [
        (
            "Ďakujeme za nákup",
            (
                "Dobrý deň {buyer_name},\n\n"
                "ďakujeme za nákup. Objednávku {order_number} pripravujeme na odoslanie; číslo "
                "zásielky vám pošleme, hneď ako balík odíde.\n\n"
                "S pozdravom"
            ),
        ),
        (
            "Zásielka odoslaná",
            (
                "Dobrý deň {buyer_name},\n\n"
                "objednávka {order_number} bola odoslaná. Číslo zásielky nájdete v detaile "
                "objednávky na Allegro.\n\n"
                "S pozdravom"
            ),
        ),
    ],
    "hu": [
        (
            "Köszönjük a vásárlást",
            (
                "Kedves {buyer_name}!\n\n"
                "Köszönjük a vásárlást. A(z) {order_number} rendelést szállításra készítjük elő; a "
                "csomagszámot elküldjük, amint a csomag elindul.\n\n"
                "Üdvözlettel"
            ),
        ),
        (
            "Csomag elküldve",
            (
                "Kedves {buyer_name}!\n\n"
                "A(z) {order_number} rendelést elküldtük. A csomagszám az Allegro rendelés "
                "részleteinél található.\n\n"
                "Üdvözlettel"
            ),
        ),
    ],
}


def ready_replies_add(reply_template: Any) -> None:
    """Add the ready-made replies that are missing (by name and language) to `reply_template`,
    the ReplyTemplate model: the current one, or a migration's from `apps.get_model`."""
    for language, replies in READY_REPLIES.items():
        for position, (name, text) in enumerate(replies):
            reply_template.objects.get_or_create(
                name=name, language=language, defaults={"text": text, "position": position}
            )
