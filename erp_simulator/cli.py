"""`python -m erp_simulator ...`: serve, and drive a running simulator through /_sim/."""

from __future__ import annotations

import argparse
import json
from typing import Any

from offline.control_cli import control_call

DEFAULT_URL = "http://127.0.0.1:8766"


def _call(url: str, method: str, path: str, body: Any = None) -> int:
    return control_call(url, method, path, body, start_hint="python -m erp_simulator serve")


def serve(args: argparse.Namespace) -> int:
    from werkzeug.serving import run_simple

    from erp_simulator.app import create_app

    app = create_app(args.db)
    print(f"ERP simulator on http://{args.host}:{args.port} (db {args.db})", flush=True)
    run_simple(args.host, args.port, app, threaded=True, use_reloader=False)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m erp_simulator", description="Offline ERP")
    commands = parser.add_subparsers(dest="command", required=True)

    p = commands.add_parser("serve", help="run the server")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8766)
    p.add_argument("--db", default="var/erp.sqlite3")

    def client(name: str, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text)
        sub.add_argument("--url", default=DEFAULT_URL)
        return sub

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
    client("state", "counts, currencies, faults")
    client("reset", "wipe everything")
    p = client("faults", "inject faults (JSON, see PROTOCOL.md) or --clear them")
    p.add_argument("spec", nargs="?")
    p.add_argument("--clear", action="store_true")

    args = parser.parse_args(argv)
    url = getattr(args, "url", DEFAULT_URL)
    match args.command:
        case "serve":
            return serve(args)
        case "currency":
            body = {"code": args.code.upper(), "available": args.switch == "on"}
            return _call(url, "POST", "/_sim/currencies", body)
        case "fulfil":
            if args.all:
                return _call(url, "POST", "/_sim/orders/fulfil", {"all": True})
            if not args.number:
                parser.error("fulfil needs NUMBER or --all")
            return _call(url, "POST", "/_sim/orders/fulfil", {"number": args.number, "to": args.to})
        case "deliver" | "cancel":
            return _call(url, "POST", f"/_sim/orders/{args.command}", {"number": args.number})
        case "state":
            return _call(url, "GET", "/_sim/state")
        case "reset":
            return _call(url, "POST", "/_sim/reset")
        case "faults":
            if args.clear:
                return _call(url, "DELETE", "/_sim/faults")
            if not args.spec:
                return _call(url, "GET", "/_sim/faults")
            return _call(url, "POST", "/_sim/faults", json.loads(args.spec))
    return 2
