"""The seller accounts the emulator serves: each token belongs to one, and sees only its orders.

The first seller is `emulator.catalogue.SELLER` (`sklep_demo`); more are added through
`/_emulator/sellers` (`python -m emulator seller add`). A seller is named by its id or login.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from emulator.catalogue import MARKETS, SELLER
from emulator.errors import ControlError

COMPANY_SUFFIX = {
    "allegro-pl": "sp. z o.o.",
    "allegro-business-pl": "sp. z o.o.",
    "allegro-cz": "s.r.o.",
    "allegro-sk": "s.r.o.",
    "allegro-hu": "Kft.",
}
DEFAULT_SELLER_ID: str = SELLER["id"]  # type: ignore[assignment]


def ensure_default(conn: sqlite3.Connection) -> None:
    conn.execute(
        "INSERT OR IGNORE INTO sellers (id, login, data) VALUES (?, ?, ?)",
        (SELLER["id"], SELLER["login"], json.dumps(SELLER, ensure_ascii=False)),
    )


def all_sellers(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    return [json.loads(row[0]) for row in conn.execute("SELECT data FROM sellers ORDER BY seq")]


def profile(conn: sqlite3.Connection, seller_id: str) -> dict[str, Any]:
    """`GET /me` of the seller whose token it is."""
    row = conn.execute("SELECT data FROM sellers WHERE id = ?", (seller_id,)).fetchone()
    return json.loads(row[0]) if row else dict(SELLER)


def resolve(conn: sqlite3.Connection, ref: Any) -> str:
    """The id of the seller named by id or login; the first seller when `ref` is empty."""
    if ref in (None, ""):
        row = conn.execute("SELECT id FROM sellers ORDER BY seq LIMIT 1").fetchone()
        return row[0] if row else DEFAULT_SELLER_ID
    row = conn.execute(
        "SELECT id FROM sellers WHERE id = ? OR login = ?", (str(ref), str(ref))
    ).fetchone()
    if row is None:
        raise ControlError(f"no such seller: {ref}", 404)
    return str(row[0])


def names(conn: sqlite3.Connection, seller_id: str) -> tuple[str, ...]:
    """What a fault's `seller` may say to mean this seller: its id or its login."""
    row = conn.execute("SELECT login FROM sellers WHERE id = ?", (seller_id,)).fetchone()
    return (seller_id, row[0]) if row else (seller_id,)


def add(
    conn: sqlite3.Connection, *, login: Any, base_marketplace: Any, seller_id: Any = None
) -> dict[str, Any]:
    if not isinstance(login, str) or not login.strip():
        raise ControlError("login is required")
    login = login.strip()
    if base_marketplace not in MARKETS:
        raise ControlError(f"base_marketplace must be one of {sorted(MARKETS)}")
    if seller_id is None:
        top = conn.execute("SELECT MAX(CAST(id AS INTEGER)) FROM sellers").fetchone()[0]
        seller_id = str(max(int(top or 0), int(DEFAULT_SELLER_ID)) + 1)
    seller_id = str(seller_id)
    if not seller_id.isdigit():
        raise ControlError("id must be digits")
    taken = conn.execute(
        "SELECT 1 FROM sellers WHERE id = ? OR login = ?", (seller_id, login)
    ).fetchone()
    if taken:
        raise ControlError(f"a seller with id {seller_id} or login {login} exists", 422)
    data = {
        "id": seller_id,
        "login": login,
        "firstName": "Jan",
        "lastName": login.capitalize(),
        "email": f"{login}@example.com",
        "baseMarketplace": {"id": base_marketplace},
        "company": {"name": f"{login} {COMPANY_SUFFIX[base_marketplace]}", "taxId": seller_id},
        "features": [],
    }
    conn.execute(
        "INSERT INTO sellers (id, login, data) VALUES (?, ?, ?)",
        (seller_id, login, json.dumps(data, ensure_ascii=False)),
    )
    return data
