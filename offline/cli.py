"""`python -m <server> ...`: the command line both offline servers share.

`serve` runs the server; every other command is a client of a running one, takes `--url`
and calls its control endpoints (`faults`, `state` and `reset` exist on both). A server
subclasses `ServerCli`, adds its own commands in `add_commands` and runs them in `run`.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

import requests

from offline.app import OfflineApp

TIMEOUT = 60

AddClient = Callable[[str, str], argparse.ArgumentParser]


def control_call(url: str, method: str, path: str, body: Any = None, *, start_hint: str) -> int:
    """Call a running server's control endpoint and print its JSON answer; the exit code."""
    try:
        response = requests.request(method, url.rstrip("/") + path, json=body, timeout=TIMEOUT)
    except requests.ConnectionError:
        print(f"Nothing answers at {url} (start it: {start_hint})", file=sys.stderr)
        return 2
    try:
        print(json.dumps(response.json(), indent=2, ensure_ascii=False))
    except ValueError:
        print(response.text)
    return 0 if response.ok else 1


class ServerCli:
    module = ""  # `python -m <module>`
    title = ""  # "<title> on http://..." when serving
    description = ""
    port = 0
    db = ""  # the default db file of `serve`
    control_prefix = ""
    faults_doc = ""  # where the fault JSON is described
    state_help = "counts"
    reset_help = "wipe everything"

    @property
    def default_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def create_app(self, db: str) -> OfflineApp:
        raise NotImplementedError

    def add_commands(self, client: AddClient) -> None:
        """Add the server's own client commands: `client(name, help)` gives a subparser."""

    def run(self, args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
        """Run one of the server's own commands."""
        return 2

    def call(self, url: str, method: str, path: str, body: Any = None) -> int:
        """`method` the control endpoint `path` (below the control prefix) at `url`."""
        hint = f"python -m {self.module} serve"
        return control_call(url, method, self.control_prefix + path, body, start_hint=hint)

    def serve(self, args: argparse.Namespace) -> int:
        from werkzeug.serving import run_simple

        app = self.create_app(args.db)
        print(f"{self.title} on http://{args.host}:{args.port} (db {args.db})", flush=True)
        run_simple(args.host, args.port, app, threaded=True, use_reloader=False)
        return 0

    def parser(self) -> argparse.ArgumentParser:
        parser = argparse.ArgumentParser(
            prog=f"python -m {self.module}", description=self.description
        )
        commands = parser.add_subparsers(dest="command", required=True)

        p = commands.add_parser("serve", help="run the server")
        p.add_argument("--host", default="127.0.0.1")
        p.add_argument("--port", type=int, default=self.port)
        p.add_argument("--db", default=self.db)

        def client(name: str, help_text: str) -> argparse.ArgumentParser:
            sub = commands.add_parser(name, help=help_text)
            sub.add_argument("--url", default=self.default_url)
            return sub

        self.add_commands(client)
        p = client("faults", f"inject faults (JSON, see {self.faults_doc}) or --clear them")
        p.add_argument("spec", nargs="?")
        p.add_argument("--clear", action="store_true")
        client("state", self.state_help)
        client("reset", self.reset_help)
        return parser

    def main(self, argv: list[str] | None = None) -> int:
        parser = self.parser()
        args = parser.parse_args(argv)
        url = getattr(args, "url", self.default_url)
        match args.command:
            case "serve":
                return self.serve(args)
            case "faults":
                if args.clear:
                    return self.call(url, "DELETE", "/faults")
                if not args.spec:
                    return self.call(url, "GET", "/faults")
                return self.call(url, "POST", "/faults", json.loads(args.spec))
            case "state":
                return self.call(url, "GET", "/state")
            case "reset":
                return self.call(url, "POST", "/reset")
        return self.run(args, parser)
