"""Ready-made replies are edited by administrators in Django's admin; threads are read-only."""

from django.contrib import admin

from allegro.messaging.models import ReplyTemplate


@admin.register(ReplyTemplate)
class ReplyTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "language", "position"]
    list_filter = ["language"]
    list_editable = ["position"]
    search_fields = ["name", "text"]
