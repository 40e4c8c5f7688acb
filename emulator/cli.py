"""`python -m emulator ...`: serve, and drive a running emulator through /_emulator/."""

from __future__ import annotations

import argparse
import json
from typing import Any

from offline.control_cli import control_call

DEFAULT_URL = "http://127.0.0.1:8765"
TIMEOUT = 120  # generate can take a while for large counts


def _call(url: str, method: str, path: str, body: Any = None) -> int:
    return control_call(url, method, path, body, start_hint="python -m emulator serve")


def serve(args: argparse.Namespace) -> int:
    from werkzeug.serving import run_simple

    from emulator.app import create_app

    app = create_app(args.db)
    print(f"Allegro emulator on http://{args.host}:{args.port} (db {args.db})", flush=True)
    run_simple(args.host, args.port, app, threaded=True, use_reloader=False)
    return 0


def generate(args: argparse.Namespace) -> int:
    if args.db:  # offline: straight into the file, no server needed
        from emulator.app import create_app
        from emulator.seed import generate as generate_orders

        app = create_app(args.db)
        with app.store.write() as conn:
            generate_orders(conn, app.clock.now(), count=args.count, days=args.days)
        print(json.dumps({"generated": args.count}))
        return 0
    return _call(args.url, "POST", "/_emulator/generate", {"count": args.count, "days": args.days})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m emulator", description="Offline Allegro emulator"
    )
    commands = parser.add_subparsers(dest="command", required=True)

    p = commands.add_parser("serve", help="run the server")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--db", default="var/emulator.sqlite3")

    def client(name: str, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text)
        sub.add_argument("--url", default=DEFAULT_URL)
        return sub

    p = client("new-order", "buyers place new orders")
    p.add_argument("--marketplace", default="allegro-pl")
    p.add_argument("--count", type=int, default=1)
    p.add_argument("--status", default="READY_FOR_PROCESSING")
    p.add_argument("--bought-at", default=None)

    p = client("faults", "inject faults (JSON, see emulator/README.md) or --clear them")
    p.add_argument("spec", nargs="?")
    p.add_argument("--clear", action="store_true")

    p = client("approve", "approve pending device codes, as the seller would")
    p.add_argument("user_code", nargs="?")
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
    client("state", "counts")
    client("reset", "wipe orders and reseed the demo")

    args = parser.parse_args(argv)
    url = getattr(args, "url", DEFAULT_URL)
    match args.command:
        case "serve":
            return serve(args)
        case "new-order":
            body = {"marketplace": args.marketplace, "count": args.count, "status": args.status}
            if args.bought_at:
                body["bought_at"] = args.bought_at
            return _call(url, "POST", "/_emulator/orders", body)
        case "faults":
            if args.clear:
                return _call(url, "DELETE", "/_emulator/faults")
            if not args.spec:
                return _call(url, "GET", "/_emulator/faults")
            return _call(url, "POST", "/_emulator/faults", json.loads(args.spec))
        case "approve" | "deny":
            body = {"user_code": args.user_code} if args.user_code else {}
            return _call(url, "POST", f"/_emulator/device/{args.command}", body)
        case "generate":
            return generate(args)
        case "cancel" | "surcharge":
            return _call(url, "POST", f"/_emulator/orders/{args.id}/{args.command}")
        case "merge":
            return _call(url, "POST", "/_emulator/merge", {"ids": args.ids})
        case "state":
            return _call(url, "GET", "/_emulator/state")
        case "reset":
            return _call(url, "POST", "/_emulator/reset")
    return 2
