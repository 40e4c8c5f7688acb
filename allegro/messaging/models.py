"""Allegro's message centre in the shop: threads and their messages (imported), the replies
the shop sends (an outbox) and the ready-made replies staff pick from."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from allegro.accounts.models import AllegroAccount
from allegro.orders.models import AllegroOrder
from shop.outbox import OutboxRow, due_index


class AllegroThread(models.Model):
    """One buyer's conversation with one seller account, as Allegro keeps it."""

    account = models.ForeignKey(AllegroAccount, on_delete=models.CASCADE, related_name="threads")
    thread_id = models.CharField(max_length=64)
    interlocutor_login = models.CharField(_("buyer"), max_length=128)
    # Allegro's read flag, unless an operator opened the thread and Allegro has not heard yet.
    read = models.BooleanField(_("read"), default=False)
    # The operator opened it: Allegro must be told (thread_read_push); cleared once it was.
    read_pending = models.BooleanField(default=False)
    last_message_at = models.DateTimeField(_("last message"), null=True, blank=True)
    # The order of the newest message about one; the link follows once that order is imported.
    checkout_form_id = models.CharField(max_length=36, blank=True)
    allegro_order = models.ForeignKey(
        AllegroOrder,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="threads",
        verbose_name=_("Allegro order"),
    )
    imported_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("message thread")
        verbose_name_plural = _("message threads")
        ordering = ["-last_message_at", "-id"]
        permissions = [("reply_allegrothread", "Can reply to Allegro messages")]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "thread_id"], name="allegro_thread_unique_per_account"
            ),
        ]
        indexes = [
            # The menu's unread count on every page: a partial index of the few unread ones.
            models.Index(fields=["id"], condition=Q(read=False), name="allegro_thread_unread_idx"),
            models.Index(fields=["-last_message_at", "-id"], name="allegro_thread_latest_idx"),
            models.Index(
                fields=["id"], condition=Q(read_pending=True), name="allegro_thread_read_due_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.interlocutor_login} ({self.thread_id})"


class AllegroMessage(models.Model):
    thread = models.ForeignKey(AllegroThread, on_delete=models.CASCADE, related_name="messages")
    message_id = models.CharField(max_length=64)
    author_login = models.CharField(_("author"), max_length=128)
    from_buyer = models.BooleanField(_("from the buyer"))
    text = models.TextField(_("text"))
    status = models.CharField(_("status"), max_length=16)
    created_at = models.DateTimeField(_("written at"))
    checkout_form_id = models.CharField(max_length=36, blank=True)
    payload = models.JSONField(_("raw message"))

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["thread", "message_id"], name="allegro_message_unique_per_thread"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.author_login}: {self.text[:40]}"


class AllegroMessageAttachment(models.Model):
    """An attachment Allegro keeps; the shop fetches it when staff open it."""

    message = models.ForeignKey(
        AllegroMessage, on_delete=models.CASCADE, related_name="attachments"
    )
    attachment_id = models.CharField(max_length=64)
    file_name = models.CharField(_("file"), max_length=255)
    mime_type = models.CharField(max_length=100)
    status = models.CharField(max_length=16)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["message", "attachment_id"], name="allegro_attachment_unique_per_message"
            ),
        ]

    def __str__(self) -> str:
        return self.file_name

    @property
    def safe(self) -> bool:
        # Allegro's scan: NEW (not yet scanned), UNSAFE and EXPIRED are not served.
        return self.status == "SAFE"


class AllegroReply(OutboxRow):
    """A reply to a buyer, written in the transaction that keeps it and sent by a job.

    Allegro takes no idempotency key for messages: before writing again, the job reads the
    thread for a message of ours with this text written since the first attempt."""

    class State(models.TextChoices):
        PENDING = "PENDING", _("Sending")
        SENT = "SENT", _("Sent")
        FAILED = "FAILED", _("Failed")

    account = models.ForeignKey(AllegroAccount, on_delete=models.CASCADE, related_name="replies")
    # Set when the reply goes into a known thread; learnt from Allegro's answer otherwise.
    thread = models.ForeignKey(
        AllegroThread, on_delete=models.CASCADE, null=True, blank=True, related_name="replies"
    )
    # About an order: Allegro requires its id and the buyer as the recipient.
    allegro_order = models.ForeignKey(
        AllegroOrder, on_delete=models.CASCADE, null=True, blank=True, related_name="replies"
    )
    recipient_login = models.CharField(_("buyer"), max_length=128)
    text = models.TextField(_("text"), max_length=2000)
    # The form's one-time key: a double click or a resubmitted form keeps one reply.
    key = models.UUIDField(unique=True)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING
    )
    # When the first request to Allegro may have gone out: messages older are not ours.
    first_sent_at = models.DateTimeField(null=True, blank=True)
    message_id = models.CharField(max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [due_index("allegro_reply_due_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(thread__isnull=False) | Q(allegro_order__isnull=False),
                name="allegro_reply_has_a_destination",
            ),
            models.CheckConstraint(
                condition=~Q(state="SENT") | ~Q(message_id=""),
                name="allegro_reply_sent_has_message",
            ),
            # One Allegro message is one reply's, never two replies' with the same text.
            models.UniqueConstraint(
                fields=["account", "message_id"],
                condition=~Q(message_id=""),
                name="allegro_reply_message_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.recipient_login}: {self.text[:40]} ({self.state})"


class ReplyLanguage(models.TextChoices):
    PL = "pl", _("Polish")
    EN = "en", _("English")
    CS = "cs", _("Czech")
    SK = "sk", _("Slovak")
    HU = "hu", _("Hungarian")


# The language a marketplace's buyers read; others get English.
MARKETPLACE_LANGUAGES = {
    "allegro-pl": ReplyLanguage.PL,
    "allegro-business-pl": ReplyLanguage.PL,
    "allegro-cz": ReplyLanguage.CS,
    "allegro-business-cz": ReplyLanguage.CS,
    "allegro-sk": ReplyLanguage.SK,
    "allegro-hu": ReplyLanguage.HU,
}


class ReplyTemplate(models.Model):
    """A ready-made reply an administrator keeps; `{order_number}`, `{buyer_name}` and
    `{buyer_login}` are filled in from the thread's order."""

    name = models.CharField(_("name"), max_length=80)
    language = models.CharField(_("language"), max_length=2, choices=ReplyLanguage.choices)
    text = models.TextField(
        _("text"),
        max_length=2000,
        help_text=_("Placeholders: {order_number}, {buyer_name}, {buyer_login}."),
    )
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("ready-made reply")
        verbose_name_plural = _("ready-made replies")
        ordering = ["language", "position", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["name", "language"], name="allegro_reply_template_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_language_display()})"
