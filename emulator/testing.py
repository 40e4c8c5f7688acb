"""Run the emulator on a free local port for the duration of a `with` block."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from emulator.app import create_app
from emulator.clock import Clock
from offline.testing import running_server


@contextmanager
def running_emulator(
    db_path: str | Path, *, seed: bool = True, clock: Clock | None = None
) -> Iterator[str]:
    """Yield the base URL (http://127.0.0.1:PORT) of a threaded emulator server."""
    with running_server(
        create_app(db_path, seed=seed, clock=clock), name="allegro-emulator"
    ) as url:
        yield url
