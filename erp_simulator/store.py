"""The ERP simulator's SQLite schema and its gapless document counters.

The store itself (one file, WAL, serialised writes, the settings table) is `offline.store`.
"""

from __future__ import annotations

import sqlite3

from offline.store import SqliteStore

# POST /api/returns: one row per return the shop sent (erp_simulator.returns).
RETURNS_SCHEMA = """
CREATE TABLE IF NOT EXISTS returns (
    reference TEXT PRIMARY KEY,
    number TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    at TEXT NOT NULL
);
"""

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
"""

TABLES = ("orders", "history", "invoices", "counters", "settings", "returns")


class Store(SqliteStore):
    schema = SCHEMA + RETURNS_SCHEMA
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


def wipe(conn: sqlite3.Connection) -> None:
    for table in TABLES:
        conn.execute(f"DELETE FROM {table}")
