"""A long piece of work carried out by a job and followed on a row of its own (an ERP
synchronization, a bulk action): RUNNING until it ends, its progress written as it goes."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TrackedRun(models.Model):
    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    # Touched with every step: a RUNNING run untouched for long lost its worker.
    heartbeat_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-started_at", "-id"]
