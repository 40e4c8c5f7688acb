"""Run the ERP simulator on a free local port for the duration of a `with` block."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from erp_simulator.app import create_app
from erp_simulator.clock import Clock
from offline.testing import running_server


@contextmanager
def running_simulator(db_path: str | Path, *, clock: Clock | None = None) -> Iterator[str]:
    """Yield the base URL (http://127.0.0.1:PORT) of a threaded ERP simulator server."""
    with running_server(create_app(db_path, clock=clock), name="erp-simulator") as url:
        yield url
