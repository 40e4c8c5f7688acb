"""A tiny HTTP server standing in for Allegro where the emulator cannot say what a test needs:
it answers every request with `answer(method, path)` and records what it was sent."""

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, make_server

from allegro.api.client import AllegroClient, AllegroOAuth, InMemoryTokenStore, OAuthTokens

# (status, JSON body or text, headers)
Answer = tuple[int, Any, dict[str, str]]


@dataclass
class StubAllegro:
    url: str
    seen: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def stub_allegro(answer: Callable[[str, str], Answer]) -> Iterator[StubAllegro]:
    stub = StubAllegro(url="")

    def app(environ: dict, start_response: Callable) -> list[bytes]:
        method, path = environ["REQUEST_METHOD"], environ["PATH_INFO"]
        headers = {
            key[5:].replace("_", "-").lower(): value
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        stub.seen.append((method, path, headers))
        status, body, extra = answer(method, path)
        raw = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        content_type = "text/html" if isinstance(body, str) else "application/json"
        start_response(f"{status} X", [("Content-Type", content_type), *extra.items()])
        return [raw]

    server = make_server("127.0.0.1", 0, app, handler_class=_Quiet)
    stub.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield stub
    finally:
        server.shutdown()
        server.server_close()


def stub_client(url: str) -> AllegroClient:
    """A client of the stub (or of any URL), with tokens that need no refresh."""
    tokens = OAuthTokens("access", "refresh", datetime.now(UTC) + timedelta(hours=1))
    oauth = AllegroOAuth(f"{url}/auth/oauth", "client", "secret", timeout=5)
    return AllegroClient(url, InMemoryTokenStore(tokens), oauth, timeout=5)
