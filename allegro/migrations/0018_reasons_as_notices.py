"""Reasons and errors stored as sentences become notices (code and parameters, shop.notices),
said in the reader's language; a sentence nobody declared stays as it was written."""

from django.db import migrations

from allegro.notices import legacy_import_problems, legacy_texts
from shop.notices import notice_fields_migration

FIELDS = {
    "AllegroOrder": ["conversion_problem"],
    "AllegroWrite": ["last_error"],
    "AllegroAccount": ["status_reason", "last_import_error"],
    "AllegroImportProblem": ["reason"],
}


def _legacy(model):
    return legacy_import_problems() if model == "AllegroImportProblem" else legacy_texts()


class Migration(migrations.Migration):
    dependencies = [("allegro", "0017_order_status_count_index")]

    operations = [notice_fields_migration("allegro", FIELDS, _legacy)]
