"""`python -m erp_simulator ...`: serve, and drive a running simulator through /_sim/.

The plumbing (serve, --url, faults, state, reset) is `offline.cli`; the ERP's levers are here.
"""

from __future__ import annotations

import argparse

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
        return 2


def main(argv: list[str] | None = None) -> int:
    return ErpCli().main(argv)
