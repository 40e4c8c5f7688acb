"""Run the ERP simulator on a free local port for the duration of a `with` block."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from werkzeug.serving import make_server

from erp_simulator.app import create_app
from erp_simulator.clock import Clock


@contextmanager
def running_simulator(db_path: str | Path, *, clock: Clock | None = None) -> Iterator[str]:
    """Yield the base URL (http://127.0.0.1:PORT) of a threaded ERP simulator server."""
    app = create_app(db_path, clock=clock)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="erp-simulator", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
