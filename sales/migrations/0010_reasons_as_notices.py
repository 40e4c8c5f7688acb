"""Attention reasons, the history's messages and bulk refusals stored as sentences become
notices (code and parameters, shop.notices), said in the reader's language. The channels'
reasons (an Allegro cancellation, a KSeF rejection) are found through the notices every
installed app declares; a sentence nobody declared stays as it was written."""

from django.db import migrations

from shop.notices import notice_fields_migration

FIELDS = {
    "SalesOrder": ["attention_reason"],
    "SalesOrderEvent": ["message"],
    "SalesBulkRunItem": ["message"],
}


class Migration(migrations.Migration):
    dependencies = [("sales", "0009_source_count_index")]

    operations = [notice_fields_migration("sales", FIELDS)]
