"""`python -m emulator ...`: serve, and drive a running emulator through /_emulator/.

The plumbing (serve, --url, faults, state, reset) is `offline.cli`; the buyer's and the
seller's levers are here.
"""

from __future__ import annotations

import argparse
import base64
import json
from pathlib import Path

from emulator.returns_cli import add_return_commands, return_call
from offline.app import OfflineApp
from offline.cli import AddClient, ServerCli


class EmulatorCli(ServerCli):
    module = "emulator"
    title = "Allegro emulator"
    description = "Offline Allegro emulator"
    port = 8765
    db = "var/emulator.sqlite3"
    control_prefix = "/_emulator"
    faults_doc = "emulator/README.md"
    state_help = "counts"
    reset_help = "wipe orders and reseed the demo"

    def create_app(self, db: str) -> OfflineApp:
        from emulator.app import create_app

        return create_app(db)

    def add_commands(self, client: AddClient) -> None:
        p = client("new-order", "buyers place new orders")
        p.add_argument("--marketplace", default="allegro-pl")
        p.add_argument("--count", type=int, default=1)
        p.add_argument("--status", default="READY_FOR_PROCESSING")
        p.add_argument("--bought-at", default=None)
        p.add_argument("--seller", default=None, help="whose offers (id or login; the first)")

        p = client("seller", "seller accounts: `seller add --login L` or `seller list`")
        p.add_argument("action", choices=("add", "list"))
        p.add_argument("--login")
        p.add_argument("--base-marketplace", default="allegro-pl")
        p.add_argument("--id", default=None)
        p.add_argument("--orders", type=int, default=5, help="its paid orders to start with")

        p = client("approve", "approve pending device codes, as the seller would")
        p.add_argument("user_code", nargs="?")
        p.add_argument("--seller", default=None, help="who approves (id or login; the first)")
        p = client("deny", "deny pending device codes")
        p.add_argument("user_code", nargs="?")

        p = client("generate", "bulk orders for benchmarks")
        p.add_argument("--count", type=int, default=10_000)
        p.add_argument("--days", type=int, default=30)
        p.add_argument("--db", default=None, help="write into this db file instead of a server")

        p = client("cancel", "the buyer cancels an order")
        p.add_argument("id")
        p = client("surcharge", "the buyer pays a surcharge")
        p.add_argument("id")
        p = client("merge", "the buyer pays several orders together")
        p.add_argument("ids", nargs="+")
        add_return_commands(client)

        p = client("message", "the buyer of an order writes to the seller about it")
        p.add_argument("id", help="the order (checkout form id)")
        p.add_argument("--text", default=None, help="default: a question in the buyer's language")
        p.add_argument("--attach", default=None, help="a file (image or PDF) sent with it")
        client("threads", "the message centre's threads with all their messages")

        p = client("parcel", "the carrier moves a parcel the seller sent (tracking history)")
        p.add_argument("waybill")
        p.add_argument(
            "status",
            help="in_transit, out_for_delivery, delivered, returned, pickup or a spec code",
        )
        p.add_argument("--description", default=None)
        p = client("line-returned", "the buyer sent items back and got the money (claimable)")
        p.add_argument("id", help="checkout form id")
        p.add_argument("line", help="line item id")
        p.add_argument("--quantity", type=int, default=1)
        p = client("claim-decide", "Allegro's answer to a commission refund claim")
        p.add_argument("id", help="refund claim id")
        p.add_argument("status", help="e.g. GRANTED or REJECTED")

    def run(self, args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
        url = args.url
        match args.command:
            case "new-order":
                body = {"marketplace": args.marketplace, "count": args.count, "status": args.status}
                if args.bought_at:
                    body["bought_at"] = args.bought_at
                if args.seller:
                    body["seller"] = args.seller
                return self.call(url, "POST", "/orders", body)
            case "seller":
                if args.action == "list":
                    return self.call(url, "GET", "/sellers")
                if not args.login:
                    parser.error("seller add needs --login")
                seller = {
                    "login": args.login,
                    "base_marketplace": args.base_marketplace,
                    "orders": args.orders,
                }
                if args.id:
                    seller["id"] = args.id
                return self.call(url, "POST", "/sellers", seller)
            case "approve" | "deny":
                body = {"user_code": args.user_code} if args.user_code else {}
                if args.command == "approve" and args.seller:
                    body["seller"] = args.seller
                return self.call(url, "POST", f"/device/{args.command}", body)
            case "generate":
                return self.generate(args)
            case "cancel" | "surcharge":
                return self.call(url, "POST", f"/orders/{args.id}/{args.command}")
            case "merge":
                return self.call(url, "POST", "/merge", {"ids": args.ids})
            case "return" | "return-arrived" | "refunds" | "refund-complete":
                method, path, payload = return_call(args)
                return self.call(url, method, path, payload)
            case "message":
                try:
                    body = self.message(args)
                except OSError as error:
                    parser.error(f"--attach: {error}")
                return self.call(url, "POST", "/messages", body)
            case "threads":
                return self.call(url, "GET", "/threads")
            case "parcel":
                parcel = {"waybill": args.waybill, "status": args.status}
                if args.description:
                    parcel["description"] = args.description
                return self.call(url, "POST", "/parcels/advance", parcel)
            case "line-returned":
                returned = {"lineItemId": args.line, "quantity": args.quantity}
                return self.call(url, "POST", f"/orders/{args.id}/line-returned", returned)
            case "claim-decide":
                return self.call(
                    url, "POST", f"/refund-claims/{args.id}/decide", {"status": args.status}
                )
        return 2

    def message(self, args: argparse.Namespace) -> dict[str, object]:
        body: dict[str, object] = {"order": args.id}
        if args.text:
            body["text"] = args.text
        if args.attach:
            path = Path(args.attach)
            content = base64.b64encode(path.read_bytes()).decode()
            body["attachment"] = {"name": path.name, "content_base64": content}
        return body

    def generate(self, args: argparse.Namespace) -> int:
        if args.db:  # offline: straight into the file, no server needed
            from emulator.app import create_app
            from emulator.seed import generate as generate_orders

            app = create_app(args.db)
            with app.store.write() as conn:
                generate_orders(conn, app.clock.now(), count=args.count, days=args.days)
            print(json.dumps({"generated": args.count}))
            return 0
        return self.call(args.url, "POST", "/generate", {"count": args.count, "days": args.days})


def main(argv: list[str] | None = None) -> int:
    return EmulatorCli().main(argv)
