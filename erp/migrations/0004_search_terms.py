from django.db import migrations

from erp.services import SEARCH_SOURCE, erp_search_terms
from shop.search import search_terms


def backfill(apps, schema_editor):
    """Every order the ERP numbered is found by its document and invoice numbers; the sync
    keeps them up to date from now on."""
    link_model = apps.get_model("erp", "ErpOrderLink")
    term_model = apps.get_model("sales", "SalesOrderSearchTerm")
    links = link_model.objects.exclude(document_number="", invoice_number="").iterator(2000)
    term_model.objects.bulk_create(
        (
            term_model(order_id=link.order_id, source=SEARCH_SOURCE, kind=kind, term=term)
            for link in links
            for kind, term in search_terms(erp_search_terms(link))
        ),
        batch_size=5000,
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("erp", "0003_errors_as_notices"),
        ("sales", "0011_search_terms"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
