"""SQLite state: schema, connections, gapless counters and the key/value settings table.

One file, WAL mode, a connection per unit of work; writes serialised by a process lock and
`BEGIN IMMEDIATE` (the same recipe as the Allegro emulator's store).
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from offline.sqlite_store import SqliteStore

SCHEMA = """
CREATE TABLE IF NOT EXISTS orders (
    number TEXT PRIMARY KEY,
    document_number TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL,
    data TEXT NOT NULL,
    invoice_id INTEGER,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS orders_status ON orders (status);

CREATE TABLE IF NOT EXISTS history (
    id INTEGER PRIMARY KEY,
    number TEXT NOT NULL,
    status TEXT NOT NULL,
    at TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS invoices (
    id INTEGER PRIMARY KEY,
    number TEXT NOT NULL UNIQUE,
    order_number TEXT NOT NULL,
    data TEXT NOT NULL,
    pdf BLOB NOT NULL
);

CREATE TABLE IF NOT EXISTS counters (
    series TEXT NOT NULL,
    year INTEGER NOT NULL,
    last INTEGER NOT NULL,
    PRIMARY KEY (series, year)
);

CREATE TABLE IF NOT EXISTS settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""

TABLES = ("orders", "history", "invoices", "counters", "settings")


class Store(SqliteStore):
    schema = SCHEMA
    row_factory = sqlite3.Row


def next_number(conn: sqlite3.Connection, series: str, year: int) -> int:
    """Gapless per (series, year): call inside the write transaction that uses the number."""
    conn.execute(
        "INSERT INTO counters (series, year, last) VALUES (?, ?, 1) "
        "ON CONFLICT (series, year) DO UPDATE SET last = last + 1",
        (series, year),
    )
    row = conn.execute(
        "SELECT last FROM counters WHERE series = ? AND year = ?", (series, year)
    ).fetchone()
    return int(row[0])


def get_setting(conn: sqlite3.Connection, key: str, default: Any = None) -> Any:
    row = conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
    return json.loads(row[0]) if row else default


def set_setting(conn: sqlite3.Connection, key: str, value: Any) -> None:
    conn.execute(
        "INSERT INTO settings (key, value) VALUES (?, ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, json.dumps(value)),
    )


def wipe(conn: sqlite3.Connection) -> None:
    for table in TABLES:
        conn.execute(f"DELETE FROM {table}")
