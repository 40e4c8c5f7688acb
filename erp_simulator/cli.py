"""`python -m erp_simulator ...`: serve, and drive a running simulator through /_sim/.

The plumbing (serve, --url, faults, state, reset) is `offline.cli`; the ERP's levers are here.
"""

from __future__ import annotations

import argparse
from typing import Any

from offline.app import OfflineApp
from offline.cli import AddClient, ServerCli


class ErpCli(ServerCli):
    module = "erp_simulator"
    title = "ERP simulator"
    description = "Offline ERP"
    port = 8766
    db = "var/erp.sqlite3"
    control_prefix = "/_sim"
    faults_doc = "PROTOCOL.md"
    state_help = "counts, currencies, faults"
    reset_help = "wipe everything"

    def create_app(self, db: str) -> OfflineApp:
        from erp_simulator.app import create_app

        return create_app(db)

    def add_commands(self, client: AddClient) -> None:
        p = client("currency", "make a currency available in the ERP or not")
        p.add_argument("code")
        p.add_argument("switch", choices=("on", "off"))
        p = client("fulfil", "move an order to SHIPPED (issues the invoice)")
        p.add_argument("number", nargs="?")
        p.add_argument("--all", action="store_true", help="every ACCEPTED/IN_PROGRESS order")
        p.add_argument("--to", choices=("IN_PROGRESS", "SHIPPED"), default="SHIPPED")
        p = client("deliver", "SHIPPED -> DELIVERED")
        p.add_argument("number")
        p = client("cancel", "cancel an open order")
        p.add_argument("number")
        p = client("ksef", "how KSeF answers invoices issued from now on")
        p.add_argument("mode", choices=("accept", "offline", "reject"))
        p.add_argument("--delay", type=int, default=0, help="seconds pending before accepted")
        p.add_argument("--reason", help="the rejection reason")
        p = client("ksef-set", "move one invoice in KSeF")
        p.add_argument("invoice", help="invoice number, e.g. FV/17/2026")
        p.add_argument("to", choices=("accepted", "rejected"))
        p.add_argument("--reason")
        p = client("correct", "issue a correction invoice of a shipped order")
        p.add_argument("number", help="order number")
        p.add_argument("--return", dest="returns", action="append", default=[], metavar="CODE:QTY")
        p.add_argument("--price", dest="prices", action="append", default=[], metavar="CODE:PRICE")
        p.add_argument("--reason")

    def run(self, args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
        url = args.url
        match args.command:
            case "currency":
                body = {"code": args.code.upper(), "available": args.switch == "on"}
                return self.call(url, "POST", "/currencies", body)
            case "fulfil":
                if args.all:
                    return self.call(url, "POST", "/orders/fulfil", {"all": True})
                if not args.number:
                    parser.error("fulfil needs NUMBER or --all")
                return self.call(
                    url, "POST", "/orders/fulfil", {"number": args.number, "to": args.to}
                )
            case "deliver" | "cancel":
                return self.call(url, "POST", f"/orders/{args.command}", {"number": args.number})
            case "ksef":
                body = {"mode": args.mode, "delay_seconds": args.delay, "reason": args.reason}
                return self.call(url, "POST", "/ksef", body)
            case "ksef-set":
                body = {"number": args.invoice, "to": args.to, "reason": args.reason}
                return self.call(url, "POST", "/invoices/ksef", body)
            case "correct":
                return self.call(url, "POST", "/orders/correct", _correction(args, parser))
        return 2


def _correction(args: argparse.Namespace, parser: argparse.ArgumentParser) -> dict[str, Any]:
    if bool(args.returns) == bool(args.prices):
        parser.error("correct needs --return CODE:QTY ... or --price CODE:PRICE ...")
    body: dict[str, Any] = {"number": args.number, "reason": args.reason}
    for given in args.returns or args.prices:
        code, sep, value = given.rpartition(":")
        if not sep or not code:
            parser.error(f"{given!r}: expected CODE:VALUE")
        if args.returns:
            if not value.isdigit():
                parser.error(f"{given!r}: the quantity must be a whole number")
            body.setdefault("returns", []).append({"code": code, "quantity": int(value)})
        else:
            body.setdefault("prices", []).append({"code": code, "unit_price": value})
    return body


def main(argv: list[str] | None = None) -> int:
    return ErpCli().main(argv)
