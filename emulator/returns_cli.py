"""The CLI's levers for returns and refunds (`python -m emulator return ...`)."""

from __future__ import annotations

import argparse
from typing import Any

from offline.cli import AddClient


def add_return_commands(client: AddClient) -> None:
    p = client("return", "the buyer returns lines of a sent order and posts the parcel")
    p.add_argument("id", help="checkout form id")
    p.add_argument(
        "--line",
        action="append",
        default=[],
        metavar="LINE_ITEM_ID[:QTY]",
        help="a line to return (default: the first line, all of it)",
    )
    p.add_argument("--waybill", default=None)
    p.add_argument("--reason", default="DONT_LIKE_IT")
    p = client("return-arrived", "the return parcel reaches the seller")
    p.add_argument("id", help="customer return id")
    p = client("refunds", "list refunds; --outcome sets how new refunds end")
    p.add_argument("--outcome", choices=("SUCCESS", "CANCELED", "MANUAL"), default=None)
    p = client("refund-complete", "decide a refund by hand (with --outcome MANUAL)")
    p.add_argument("id", help="refund id")
    p.add_argument("--status", choices=("SUCCESS", "CANCELED"), default="SUCCESS")


def return_call(args: argparse.Namespace) -> tuple[str, str, dict[str, Any] | None]:
    match args.command:
        case "return":
            items = []
            for given in args.line:
                line_id, _sep, quantity = given.partition(":")
                item: dict[str, Any] = {"lineItemId": line_id, "reason": args.reason}
                if quantity:
                    item["quantity"] = int(quantity)
                items.append(item)
            body: dict[str, Any] = {"items": items} if items else {}
            if args.waybill:
                body["waybill"] = args.waybill
            return "POST", f"/orders/{args.id}/return", body
        case "return-arrived":
            return "POST", f"/returns/{args.id}/deliver", {}
        case "refunds":
            if args.outcome:
                return "POST", "/refunds", {"outcome": args.outcome}
            return "GET", "/refunds", None
        case _:
            return "POST", f"/refunds/{args.id}/complete", {"status": args.status}
