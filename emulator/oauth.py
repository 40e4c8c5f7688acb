"""OAuth as Allegro runs it: device flow, rotating refresh tokens, bearer checks.

Refresh rotation: a refresh token is single use; for 60 s after its first use it answers with
the SAME pair it issued then (so a racing second worker gets identical tokens), later
`invalid_grant`.
"""

from __future__ import annotations

import base64
import html
import json
import secrets
import sqlite3
from typing import Any

from werkzeug.wrappers import Request, Response

from emulator import sellers
from emulator.clock import Clock
from emulator.errors import ControlError
from emulator.store import Store
from offline.store import get_setting, set_setting

CLIENT_ID = "emulator-client"
CLIENT_SECRET = "emulator-secret"
SCOPE = "allegro:api:orders:read allegro:api:orders:write allegro:api:profile:read"
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
DEFAULT_ACCESS_TTL = 43199
DEFAULT_INTERVAL = 5
DEVICE_CODE_TTL = 3600
REFRESH_TTL = 90 * 86400
REFRESH_GRACE = 60


class OAuthError(Exception):
    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.error = error
        self.description = description

    def response(self, content_type: str = "application/json;charset=UTF-8") -> Response:
        body = json.dumps({"error": self.error, "error_description": self.description})
        response = Response(body, status=self.status, content_type=content_type)
        if self.status == 401:
            response.headers["WWW-Authenticate"] = f'Bearer error="{self.error}"'
        return response


def _json(data: dict[str, Any], status: int = 200) -> Response:
    return Response(json.dumps(data), status=status, content_type="application/json;charset=UTF-8")


def _check_client(request: Request) -> str:
    auth = request.authorization
    if auth is None or auth.type != "basic":
        raise OAuthError(401, "invalid_client", "Client authentication is required (HTTP Basic)")
    if auth.username != CLIENT_ID or auth.password != CLIENT_SECRET:
        raise OAuthError(401, "invalid_client", "Bad client credentials")
    named = request.values.get("client_id")
    if named and named != auth.username:
        raise OAuthError(401, "invalid_client", "client_id does not match the credentials")
    return auth.username


def device(store: Store, clock: Clock, request: Request) -> Response:
    try:
        client_id = _check_client(request)
    except OAuthError as error:
        return error.response()
    now = clock.time()
    user_code = "".join(secrets.choice("abcdefghjkmnpqrstuvwxyz23456789") for _ in range(9))
    device_code = secrets.token_urlsafe(32)
    with store.write() as conn:
        interval = get_setting(conn, "device_interval", DEFAULT_INTERVAL)
        conn.execute(
            "INSERT INTO device_codes (device_code, user_code, client_id, state, interval, "
            "expires_at) VALUES (?, ?, ?, 'pending', ?, ?)",
            (device_code, user_code, client_id, interval, now + DEVICE_CODE_TTL),
        )
    base = request.host_url.rstrip("/")
    return _json(
        {
            "device_code": device_code,
            "user_code": user_code,
            "verification_uri": f"{base}/skojarz-aplikacje",
            "verification_uri_complete": f"{base}/skojarz-aplikacje?code={user_code}",
            "expires_in": DEVICE_CODE_TTL,
            "interval": interval,
        }
    )


def token(store: Store, clock: Clock, request: Request) -> Response:
    try:
        _check_client(request)
    except OAuthError as error:
        return error.response()
    grant_type = request.values.get("grant_type")
    with store.write() as conn:
        # Errors are caught inside the transaction: the poll time must be kept for slow_down.
        try:
            if grant_type == DEVICE_GRANT:
                body = _device_grant(conn, clock, request.values.get("device_code", ""))
            elif grant_type == "refresh_token":
                body = _refresh_grant(conn, clock, request.values.get("refresh_token", ""))
            else:
                raise OAuthError(
                    400, "unsupported_grant_type", f"Unsupported grant type: {grant_type}"
                )
        except OAuthError as error:
            return error.response()
    return _json(body)


def _device_grant(conn: sqlite3.Connection, clock: Clock, device_code: str) -> dict[str, Any]:
    row = conn.execute(
        "SELECT state, interval, expires_at, last_poll_at, seller_id FROM device_codes "
        "WHERE device_code = ?",
        (device_code,),
    ).fetchone()
    if row is None:
        raise OAuthError(400, "invalid_grant", "Invalid device code")
    state, interval, expires_at, last_poll_at, seller_id = row
    now = clock.time()
    conn.execute(
        "UPDATE device_codes SET last_poll_at = ? WHERE device_code = ?", (now, device_code)
    )
    if now >= expires_at:
        raise OAuthError(400, "invalid_grant", "Device code expired")
    if state == "used":
        raise OAuthError(400, "invalid_grant", "Device code already used")
    if state == "denied":
        raise OAuthError(400, "access_denied", "The user denied access")
    if last_poll_at is not None and now - last_poll_at < interval:
        raise OAuthError(400, "slow_down", "Polling too frequently")
    if state == "pending":
        raise OAuthError(400, "authorization_pending", "Authorization pending")
    conn.execute("UPDATE device_codes SET state = 'used' WHERE device_code = ?", (device_code,))
    # The tokens are the approving seller's: every API call with them sees that seller only.
    return _issue(conn, clock, seller_id or sellers.DEFAULT_SELLER_ID)


def _refresh_grant(conn: sqlite3.Connection, clock: Clock, refresh_token: str) -> dict[str, Any]:
    # Every refresh call counts, answered or refused: tests assert that workers meeting an
    # expired token together refresh it once (the 60 s replay would hide a second call).
    set_setting(conn, "refresh_grants", get_setting(conn, "refresh_grants", 0) + 1)
    row = conn.execute(
        "SELECT expires_at, used_at, next_response, revoked, seller_id FROM refresh_tokens "
        "WHERE token = ?",
        (refresh_token,),
    ).fetchone()
    now = clock.time()
    if row is None or row[3] or now >= row[0]:
        raise OAuthError(400, "invalid_grant", f"Invalid refresh token: {refresh_token[:8]}...")
    _expires_at, used_at, next_response, _revoked, seller_id = row
    if used_at is not None:
        if now - used_at <= REFRESH_GRACE:
            return json.loads(next_response)
        raise OAuthError(400, "invalid_grant", "Refresh token already used")
    body = _issue(conn, clock, seller_id)
    conn.execute(
        "UPDATE refresh_tokens SET used_at = ?, next_response = ? WHERE token = ?",
        (now, json.dumps(body), refresh_token),
    )
    return body


def _jwt_like(claims: dict[str, Any]) -> str:
    # Shaped like Allegro's JWTs so logs and size limits look real; nobody verifies it.
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return ".".join([part({"alg": "RS256", "typ": "JWT"}), part(claims), secrets.token_urlsafe(32)])


def _issue(conn: sqlite3.Connection, clock: Clock, seller_id: str) -> dict[str, Any]:
    now = clock.time()
    ttl = get_setting(conn, "access_token_ttl", DEFAULT_ACCESS_TTL)
    jti = secrets.token_hex(16)
    claims = {
        "user_name": seller_id,
        "scope": SCOPE.split(),
        "allegro_api": True,
        "exp": int(now + ttl),
        "jti": jti,
        "client_id": CLIENT_ID,
    }
    access = _jwt_like(claims)
    refresh = _jwt_like({**claims, "ati": jti, "jti": secrets.token_hex(16)})
    conn.execute(
        "INSERT INTO access_tokens (token, expires_at, seller_id) VALUES (?, ?, ?)",
        (access, now + ttl, seller_id),
    )
    conn.execute(
        "INSERT INTO refresh_tokens (token, expires_at, seller_id) VALUES (?, ?, ?)",
        (refresh, now + REFRESH_TTL, seller_id),
    )
    return {
        "access_token": access,
        "token_type": "bearer",
        "refresh_token": refresh,
        "expires_in": ttl,
        "scope": SCOPE,
        "allegro_api": True,
        "jti": jti,
    }


def bearer(request: Request) -> str:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


def token_seller(conn: sqlite3.Connection, token: str) -> str | None:
    """Whose access token it is (live or not), for faults aimed at one seller."""
    row = conn.execute("SELECT seller_id FROM access_tokens WHERE token = ?", (token,)).fetchone()
    return row[0] if row else None


def authenticate(conn: sqlite3.Connection, clock: Clock, request: Request) -> str:
    """The seller id of the request's live access token; OAuthError(401) without one."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise OAuthError(
            401, "unauthorized", "Full authentication is required to access this resource"
        )
    row = conn.execute(
        "SELECT expires_at, revoked, seller_id FROM access_tokens WHERE token = ?", (value.strip(),)
    ).fetchone()
    if row is None or row[1]:
        raise OAuthError(401, "invalid_token", "Invalid access token")
    if clock.time() >= row[0]:
        raise OAuthError(401, "invalid_token", "Access token expired")
    return str(row[2])


def decide(
    conn: sqlite3.Connection,
    clock: Clock,
    user_code: str | None,
    approve: bool,
    seller_id: str = sellers.DEFAULT_SELLER_ID,
) -> list[str]:
    """Approve or deny pending device codes (one, or all when no code is given); the tokens
    of an approved code will be `seller_id`'s."""
    state = "approved" if approve else "denied"
    query = "SELECT user_code FROM device_codes WHERE state = 'pending' AND expires_at > ?"
    params: list[Any] = [clock.time()]
    if user_code:
        query += " AND user_code = ?"
        params.append(user_code.strip().lower())
    codes = [row[0] for row in conn.execute(query, params)]
    conn.executemany(
        "UPDATE device_codes SET state = ?, seller_id = ? WHERE user_code = ?",
        [(state, seller_id, code) for code in codes],
    )
    return codes


def expire_access_tokens(conn: sqlite3.Connection, clock: Clock) -> int:
    return conn.execute(
        "UPDATE access_tokens SET expires_at = ? WHERE expires_at > ?", (clock.time(), clock.time())
    ).rowcount


def revoke_all(conn: sqlite3.Connection, seller_id: str | None = None) -> None:
    """What "log out everywhere" does: every token (of one seller, or of all) dies, the shop
    must reconnect."""
    where, params = (" WHERE seller_id = ?", (seller_id,)) if seller_id else ("", ())
    conn.execute("UPDATE access_tokens SET revoked = 1" + where, params)
    conn.execute("UPDATE refresh_tokens SET revoked = 1" + where, params)


PAGE = """<!doctype html>
<html lang="pl"><head><meta charset="utf-8"><title>Allegro – powiąż aplikację</title></head>
<body><main>
<h1>Allegro emulator</h1>
{content}
</main></body></html>"""


def pairing_page(store: Store, clock: Clock, request: Request) -> Response:
    """The seller's side of the device flow: confirm (or deny) the code shown by the app."""
    code = (request.values.get("code") or "").strip().lower()
    if request.method == "POST":
        approve = request.form.get("action", "approve") != "deny"
        with store.write() as conn:
            try:
                seller_id = sellers.resolve(conn, request.form.get("seller"))
            except ControlError:
                seller_id = sellers.resolve(conn, None)
            decided = decide(conn, clock, code, approve, seller_id) if code else []
        if not decided:
            content = f"<p>Kod <b>{html.escape(code)}</b> jest nieznany lub wygasł.</p>"
            return Response(PAGE.format(content=content), status=404, content_type="text/html")
        verb = "połączona" if approve else "odrzucona"
        content = f"<p id='result'>Aplikacja {verb} (kod {html.escape(code)}).</p>"
        return Response(PAGE.format(content=content), content_type="text/html")
    with store.read() as conn:
        accounts = sellers.all_sellers(conn)
    options = "".join(
        f"<option value='{html.escape(s['id'])}'>{html.escape(s['login'])}</option>"
        for s in accounts
    )
    content = (
        "<p>Aplikacja <b>Sklep demo</b> prosi o dostęp do zamówień konta:</p>"
        "<form method='post'>"
        f"<label>Konto <select name='seller'>{options}</select></label> "
        f"<label>Kod <input name='code' value='{html.escape(code)}'></label> "
        "<button type='submit' name='action' value='approve'>Confirm</button> "
        "<button type='submit' name='action' value='deny'>Deny</button>"
        "</form>"
    )
    return Response(PAGE.format(content=content), content_type="text/html")
