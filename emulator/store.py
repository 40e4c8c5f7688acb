"""The emulator's SQLite schema: sellers, orders, their journal, shipments, invoices, OAuth.

The store itself (one file, WAL, serialised writes, the settings table) is `offline.store`.
"""

from __future__ import annotations

from pathlib import Path

from emulator import billing, claims, messaging, refunds, returns, tracking
from offline.store import SqliteStore

SCHEMA = """
CREATE TABLE IF NOT EXISTS orders (
    id TEXT PRIMARY KEY,
    marketplace TEXT NOT NULL,
    status TEXT NOT NULL,
    fulfillment_status TEXT NOT NULL,
    line_items_sent TEXT NOT NULL,
    bought_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    buyer_login TEXT NOT NULL,
    payment_id TEXT,
    delivery_method_id TEXT,
    rev_no INTEGER NOT NULL,
    fulfillment_changes INTEGER NOT NULL DEFAULT 0,
    merged_into TEXT,
    data TEXT NOT NULL,
    seller_id TEXT NOT NULL DEFAULT '44012345'
);
CREATE INDEX IF NOT EXISTS orders_bought_at ON orders (bought_at, id);
CREATE INDEX IF NOT EXISTS orders_updated_at ON orders (updated_at, id);
CREATE INDEX IF NOT EXISTS orders_status ON orders (status, bought_at);
CREATE INDEX IF NOT EXISTS orders_fulfillment_status ON orders (fulfillment_status, bought_at);
CREATE INDEX IF NOT EXISTS orders_marketplace ON orders (marketplace, bought_at);
CREATE INDEX IF NOT EXISTS orders_buyer_login ON orders (buyer_login);
CREATE INDEX IF NOT EXISTS orders_payment_id ON orders (payment_id);
CREATE INDEX IF NOT EXISTS orders_delivery_method ON orders (delivery_method_id, bought_at);

CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY,
    type TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    order_id TEXT NOT NULL,
    dropped INTEGER NOT NULL DEFAULT 0,
    data TEXT NOT NULL,
    seller_id TEXT NOT NULL DEFAULT '44012345'
);
CREATE INDEX IF NOT EXISTS events_order ON events (order_id);

CREATE TABLE IF NOT EXISTS fulfillment_history (
    id INTEGER PRIMARY KEY,
    order_id TEXT NOT NULL,
    status TEXT NOT NULL,
    revision TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS fulfillment_history_order ON fulfillment_history (order_id);

CREATE TABLE IF NOT EXISTS shipments (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    order_id TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS shipments_order ON shipments (order_id);

CREATE TABLE IF NOT EXISTS invoices (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    order_id TEXT NOT NULL,
    data TEXT NOT NULL,
    file BLOB
);
CREATE INDEX IF NOT EXISTS invoices_order ON invoices (order_id);

CREATE TABLE IF NOT EXISTS device_codes (
    device_code TEXT PRIMARY KEY,
    user_code TEXT NOT NULL UNIQUE,
    client_id TEXT NOT NULL,
    state TEXT NOT NULL,
    interval INTEGER NOT NULL,
    expires_at REAL NOT NULL,
    last_poll_at REAL,
    seller_id TEXT
);

CREATE TABLE IF NOT EXISTS access_tokens (
    token TEXT PRIMARY KEY,
    expires_at REAL NOT NULL,
    revoked INTEGER NOT NULL DEFAULT 0,
    seller_id TEXT NOT NULL DEFAULT '44012345'
);

CREATE TABLE IF NOT EXISTS refresh_tokens (
    token TEXT PRIMARY KEY,
    expires_at REAL NOT NULL,
    used_at REAL,
    next_response TEXT,
    revoked INTEGER NOT NULL DEFAULT 0,
    seller_id TEXT NOT NULL DEFAULT '44012345'
);

CREATE TABLE IF NOT EXISTS sellers (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    login TEXT NOT NULL UNIQUE,
    data TEXT NOT NULL
);
"""

# Every row without a seller belongs to the first one (`emulator.catalogue.SELLER`): a db
# written before the emulator served several sellers gets the column with that default.
SELLER_COLUMNS = {
    "orders": "TEXT NOT NULL DEFAULT '44012345'",
    "events": "TEXT NOT NULL DEFAULT '44012345'",
    "device_codes": "TEXT",
    "access_tokens": "TEXT NOT NULL DEFAULT '44012345'",
    "refresh_tokens": "TEXT NOT NULL DEFAULT '44012345'",
}
SELLER_INDEXES = """
CREATE INDEX IF NOT EXISTS orders_seller ON orders (seller_id, bought_at);
CREATE INDEX IF NOT EXISTS events_seller ON events (seller_id, id);
"""

# Tables wiped by a reset; OAuth state survives so a connected demo stays connected.
ORDER_TABLES: tuple[str, ...] = (
    "orders",
    "events",
    "fulfillment_history",
    "shipments",
    "invoices",
    *returns.TABLES,
    *refunds.TABLES,
    *billing.TABLES,
    *claims.TABLES,
    *tracking.TABLES,
    *messaging.TABLES,
)


class Store(SqliteStore):
    schema = (
        SCHEMA
        + billing.SCHEMA
        + claims.SCHEMA
        + messaging.SCHEMA
        + tracking.SCHEMA
        + returns.SCHEMA
        + refunds.SCHEMA
    )

    def __init__(self, path: str | Path) -> None:
        super().__init__(path)
        with self.write() as conn:
            for table, column in SELLER_COLUMNS.items():
                names = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
                if "seller_id" not in names:
                    conn.execute(f"ALTER TABLE {table} ADD COLUMN seller_id {column}")
            for statement in SELLER_INDEXES.strip().splitlines():
                conn.execute(statement)
