"""Errors of orders and runs stored as sentences become notices (code and parameters,
shop.notices), said in the reader's language; the ERP's refusal by its code, with its own
words kept as the detail. A sentence nobody declared stays as it was written."""

from django.conf import settings
from django.db import migrations
from django.utils.translation import override

from erp.notices import legacy_texts
from shop.notices import notice_fields_migration, notice_text


def _runs_rewrite(apps, convert):
    ErpSyncRun = apps.get_model("erp", "ErpSyncRun")
    for run in ErpSyncRun.objects.exclude(errors=[]).only("pk", "errors").iterator():
        errors = [
            {**error, "message": convert(str(error.get("message") or ""))}
            for error in run.errors
            if isinstance(error, dict)
        ]
        if errors != run.errors:
            ErpSyncRun.objects.filter(pk=run.pk).update(errors=errors)


def runs_forward(apps, schema_editor):
    _runs_rewrite(apps, legacy_texts().text)


def runs_backward(apps, schema_editor):
    def said(value):
        with override(settings.LANGUAGE_CODE):
            return notice_text(value)

    _runs_rewrite(apps, said)


class Migration(migrations.Migration):
    dependencies = [("erp", "0002_erpsyncrun_held")]

    operations = [
        notice_fields_migration("erp", {"ErpOrderLink": ["last_error"]}, lambda model: legacy_texts()),
        migrations.RunPython(runs_forward, runs_backward),
    ]
