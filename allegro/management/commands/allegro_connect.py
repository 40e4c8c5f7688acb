"""`manage.py allegro_connect`: connect a seller account from a terminal (OAuth device flow)."""

import time
from typing import Any

import requests
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q

from allegro.accounts.models import AllegroAccount
from allegro.accounts.services import (
    AllegroConnectError,
    account_connect_poll,
    account_connect_start,
)
from allegro.api.errors import AllegroError, SlowDown


class Command(BaseCommand):
    help = (
        "Connect an Allegro seller account: prints a code and a link to confirm it in Allegro, "
        "then waits until the seller has confirmed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--approve-in-emulator",
            action="store_true",
            help=(
                "Confirm the code through the offline emulator's control endpoint instead of a "
                "seller (for demo data). Works only against the emulator, never against Allegro."
            ),
        )

        parser.add_argument(
            "--seller",
            default=None,
            help=(
                "With --approve-in-emulator: the emulator's seller (login or id) who approves, "
                "so the tokens are that account's; default its first seller."
            ),
        )
        parser.add_argument(
            "--unless-connected",
            action="store_true",
            help=(
                "Do nothing when an account (with --seller: that seller's) is connected already "
                "(the demo's start-up)."
            ),
        )

    def handle(
        self,
        *args: Any,
        approve_in_emulator: bool,
        unless_connected: bool,
        seller: str | None,
        **options: Any,
    ) -> None:
        accounts = AllegroAccount.objects.all()
        if seller:
            accounts = accounts.filter(Q(login=seller) | Q(seller_id=seller))
        if unless_connected and accounts.exists():
            return
        try:
            authorization = account_connect_start()
        except AllegroError as exc:
            raise CommandError(f"Allegro did not start the connection: {exc}") from exc
        self.stdout.write(f"Code:    {authorization.user_code}")
        self.stdout.write(f"Confirm: {authorization.verification_uri_complete}")
        if approve_in_emulator:
            self._emulator_approve(authorization.user_code, seller)
        else:
            self.stdout.write("Waiting for the seller to confirm in Allegro…")

        interval = authorization.interval
        deadline = time.monotonic() + authorization.expires_in
        # Approved already: no reason to wait a whole interval before the first poll.
        delay = 0 if approve_in_emulator else interval
        while time.monotonic() < deadline:
            time.sleep(delay)
            delay = interval
            try:
                account = account_connect_poll(device_code=authorization.device_code)
            except SlowDown:
                interval += 5
                delay = interval
                continue
            except AllegroConnectError as exc:
                raise CommandError(str(exc)) from exc
            except AllegroError as exc:
                if not exc.is_transient:
                    raise CommandError(f"Allegro refused the connection: {exc}") from exc
                self.stderr.write(f"Allegro is not answering ({exc}); trying again.")
                continue
            if account is not None:
                self.stdout.write(
                    self.style.SUCCESS(
                        f"Connected {account.login} (seller {account.seller_id}), "
                        f"base marketplace {account.base_marketplace}."
                    )
                )
                return
        raise CommandError("The code expired before it was confirmed. Run the command again.")

    def _emulator_approve(self, user_code: str, seller: str | None) -> None:
        # The emulator's control API lives beside its order API; Allegro itself has no such thing.
        url = settings.ALLEGRO_API_URL.rstrip("/") + "/_emulator/device/approve"
        try:
            response = requests.post(
                url,
                json={"user_code": user_code, **({"seller": seller} if seller else {})},
                timeout=settings.ALLEGRO_HTTP_TIMEOUT,
            )
        except requests.RequestException as exc:
            raise CommandError(f"Cannot reach the emulator at {url}: {exc}") from exc
        if not response.ok:
            raise CommandError(
                f"--approve-in-emulator works only against the emulator; {url} answered "
                f"{response.status_code}."
            )
        self.stdout.write("Approved in the emulator.")
