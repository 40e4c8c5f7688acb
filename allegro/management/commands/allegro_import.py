from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from allegro.accounts.clients import client_for_account
from allegro.accounts.models import AllegroAccount
from allegro.api.errors import AllegroError
from allegro.orders.services import account_import_riding_out


class Command(BaseCommand):
    help = "Import Allegro orders once for every connected account, then exit."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--reconcile",
            action="store_true",
            help="Also sweep the list endpoint for orders the event journal missed.",
        )

    def handle(self, *args: Any, reconcile: bool, **options: Any) -> None:
        accounts = AllegroAccount.objects.filter(
            status=AllegroAccount.Status.CONNECTED, paused=False
        )
        if not accounts:
            self.stdout.write("No connected Allegro account: run `manage.py allegro_connect`.")
            return
        failed = []
        for account in accounts:
            try:
                stats = account_import_riding_out(
                    account_id=account.id, client=client_for_account(account), reconcile=reconcile
                )
            except AllegroError as error:
                failed.append(account.login)
                self.stderr.write(f"{account.login}: {error}")
                continue
            self.stdout.write(
                f"{account.login}: {stats.created} new, {stats.updated} updated, "
                f"{stats.unchanged} unchanged, {len(stats.problems)} import problems, "
                f"{stats.requests} requests"
            )
            for form_id, reason in stats.problems.items():
                self.stdout.write(f"  import problem: {form_id}: {reason}")
        if failed:
            raise CommandError(f"Import failed for: {', '.join(failed)}")
