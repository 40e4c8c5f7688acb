"""Offline Allegro emulator: the order API, OAuth device flow and control endpoints, on SQLite."""

from emulator.app import create_app

__all__ = ["create_app"]
