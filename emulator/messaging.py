"""Allegro's message centre (`/messaging/...` of after-sales-api.yaml): threads, messages and
attachments, and the buyer's lever to write on an order (`/_emulator/messages`).

A thread is one seller and one buyer (the interlocutor); every message of theirs lands in it.
Writing a new message (`POST /messaging/messages`) must name the order it is about (`order.id`,
allegro-api#10383): an order of this seller whose buyer is the recipient. Writing is limited to
one message a second per seller, as Allegro documents; a faster one is a 429.
"""

from __future__ import annotations

import base64
import json
import sqlite3
import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from emulator import sellers, validation
from emulator.api import seller_of
from emulator.clock import iso, parse_iso
from emulator.errors import MEDIA_TYPE, ApiError, ControlError, not_found
from emulator.orders import load
from offline.app import json_object
from offline.errors import json_response
from offline.store import get_setting, set_setting

if TYPE_CHECKING:
    from emulator.app import EmulatorApp

SCHEMA = """
CREATE TABLE IF NOT EXISTS threads (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    seller_id TEXT NOT NULL,
    interlocutor TEXT NOT NULL,
    read INTEGER NOT NULL DEFAULT 1,
    last_message_at TEXT,
    UNIQUE (seller_id, interlocutor)
);
CREATE INDEX IF NOT EXISTS threads_latest ON threads (seller_id, last_message_at);

CREATE TABLE IF NOT EXISTS messages (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    thread_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    from_seller INTEGER NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_thread ON messages (thread_id, created_at);

CREATE TABLE IF NOT EXISTS message_attachments (
    id TEXT PRIMARY KEY,
    seller_id TEXT NOT NULL,
    filename TEXT NOT NULL,
    size INTEGER NOT NULL,
    mime_type TEXT NOT NULL,
    content BLOB,
    message_id TEXT,
    created_at TEXT NOT NULL
);
"""
# Wiped by a reset with the orders they are about.
TABLES = ("threads", "messages", "message_attachments")

MAX_TEXT = 2000
MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024  # NewAttachmentDeclaration.size's maximum
THREADS_MAX_OFFSET = 15_000_000
MESSAGES_MAX_OFFSET = 15_000
PAGE_MAX = 20
# The upload's content types in the spec, by the extensions a declaration's filename may have.
MIME_TYPES = {
    "png": "image/png",
    "gif": "image/gif",
    "bmp": "image/bmp",
    "tif": "image/tiff",
    "tiff": "image/tiff",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "pdf": "application/pdf",
}
AVATAR = "https://a.allegroimg.com/original/00/avatar"
# What a buyer writes when the control call gives no text, in the marketplace's language.
BUYER_TEXT = {
    "allegro-pl": "Dzień dobry, kiedy wyślą Państwo moje zamówienie?",
    "allegro-business-pl": "Dzień dobry, kiedy wyślą Państwo moje zamówienie?",
    "allegro-cz": "Dobrý den, kdy odešlete moji objednávku?",
    "allegro-business-cz": "Dobrý den, kdy odešlete moji objednávku?",
    "allegro-sk": "Dobrý deň, kedy odošlete moju objednávku?",
    "allegro-hu": "Jó napot, mikor küldik el a rendelésemet?",
}
# A 1×1 PNG, the buyer's photo when the control call asks for an attachment without content.
PIXEL_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


class TooFast(ApiError):
    def __init__(self) -> None:
        super().__init__(429, "TooManyRequestsException", "Only one message a second may be sent")

    def response(self) -> Response:
        response = super().response()
        response.headers["Retry-After"] = "1"
        return response


def _vnd(data: Any, status: int = 200) -> Response:
    return json_response(data, status, content_type=MEDIA_TYPE)


def _seller(request: Request) -> str:
    return seller_of(request)


def _page(request: Request, max_offset: int) -> tuple[int, int]:
    # The spec gives these operations 422 for an incorrect limit or offset.
    limit = validation.int_arg(request, "limit", PAGE_MAX, status=422)
    offset = validation.int_arg(request, "offset", 0, status=422)
    if not 1 <= limit <= PAGE_MAX:
        raise validation.invalid(422, f"limit must be between 1 and {PAGE_MAX}", "limit")
    if not 0 <= offset <= max_offset:
        raise validation.invalid(422, f"offset must be between 0 and {max_offset}", "offset")
    return limit, offset


def _thread_json(row: sqlite3.Row | tuple) -> dict[str, Any]:
    thread_id, interlocutor, read, last = row
    return {
        "id": thread_id,
        "read": bool(read),
        "lastMessageDateTime": last,
        "interlocutor": {"login": interlocutor, "avatarUrl": AVATAR},
    }


def _one(conn: sqlite3.Connection, what: str, query: str, *params: str) -> tuple:
    """The one row of the seller's `what`; another seller's is as unknown as a missing one."""
    row = conn.execute(query, params).fetchone()
    if row is None:
        raise not_found(what)
    return tuple(row)


def _thread_row(conn: sqlite3.Connection, seller_id: str, thread_id: str) -> tuple:
    query = (
        "SELECT id, interlocutor, read, last_message_at FROM threads WHERE id = ? AND seller_id = ?"
    )
    return _one(conn, "Thread", query, thread_id, seller_id)


def _message_json(request: Request, data: str, from_seller: int) -> dict[str, Any]:
    message = json.loads(data)
    message["author"]["isInterlocutor"] = not from_seller
    base = request.host_url.rstrip("/")
    message["attachments"] = [
        {
            "fileName": a["fileName"],
            "mimeType": a["mimeType"],
            "url": f"{base}/messaging/message-attachments/{a['id']}",
            "status": "SAFE",
        }
        for a in message.pop("attachmentIds", [])
    ]
    return message


def _touch(conn: sqlite3.Connection, thread_id: str, at: str, *, read: bool) -> None:
    conn.execute(
        "UPDATE threads SET last_message_at = ?, read = ? WHERE id = ?", (at, int(read), thread_id)
    )


def thread_for(conn: sqlite3.Connection, seller_id: str, interlocutor: str) -> str:
    """The id of the seller's thread with this buyer, opened if they never wrote before."""
    row = conn.execute(
        "SELECT id FROM threads WHERE seller_id = ? AND interlocutor = ?", (seller_id, interlocutor)
    ).fetchone()
    if row:
        return str(row[0])
    thread_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
    conn.execute(
        "INSERT INTO threads (id, seller_id, interlocutor) VALUES (?, ?, ?)",
        (thread_id, seller_id, interlocutor),
    )
    return thread_id


def add_message(
    conn: sqlite3.Connection,
    now: datetime,
    *,
    thread_id: str,
    author: str,
    from_seller: bool,
    text: str,
    order_id: str | None,
    attachment_ids: list[str],
) -> dict[str, Any]:
    """Store a message (the caller checked everything) and move its thread."""
    message_id = str(uuid.uuid4())
    attachments = []
    for attachment_id in attachment_ids:
        filename, mime_type = conn.execute(
            "SELECT filename, mime_type FROM message_attachments WHERE id = ?", (attachment_id,)
        ).fetchone()
        conn.execute(
            "UPDATE message_attachments SET message_id = ? WHERE id = ?",
            (message_id, attachment_id),
        )
        attachments.append({"id": attachment_id, "fileName": filename, "mimeType": mime_type})
    relates: dict[str, Any] = {"offer": None}
    if order_id:
        relates["order"] = {"id": order_id}
    created_at = iso(now)
    data = {
        "id": message_id,
        "status": "DELIVERED",
        "type": "MESSAGE_CENTER",
        "createdAt": created_at,
        "thread": {"id": thread_id},
        "author": {"login": author, "isInterlocutor": not from_seller},
        "text": text,
        "subject": None,
        "relatesTo": relates,
        "hasAdditionalAttachments": False,
        "attachmentIds": attachments,
        "additionalInformation": None,
    }
    conn.execute(
        "INSERT INTO messages (id, thread_id, created_at, from_seller, data) VALUES (?,?,?,?,?)",
        (message_id, thread_id, created_at, int(from_seller), json.dumps(data, ensure_ascii=False)),
    )
    # The seller has read what they answer; a buyer's message makes the thread unread.
    _touch(conn, thread_id, created_at, read=from_seller)
    return data


# The API


def threads(app: EmulatorApp, request: Request) -> Response:
    limit, offset = _page(request, THREADS_MAX_OFFSET)
    with app.store.read() as conn:
        rows = conn.execute(
            "SELECT id, interlocutor, read, last_message_at FROM threads "
            "WHERE seller_id = ? AND last_message_at IS NOT NULL "
            "ORDER BY last_message_at DESC, seq DESC LIMIT ? OFFSET ?",
            (_seller(request), limit, offset),
        ).fetchall()
    return _vnd({"threads": [_thread_json(r) for r in rows], "offset": offset, "limit": limit})


def thread(app: EmulatorApp, request: Request, thread_id: str) -> Response:
    with app.store.read() as conn:
        return _vnd(_thread_json(_thread_row(conn, _seller(request), thread_id)))


def thread_read(app: EmulatorApp, request: Request, thread_id: str) -> Response:
    body = validation.json_object(validation.json_request(request, 422))
    if not isinstance(body.get("read"), bool):
        raise validation.invalid(422, "read (true or false) is required", "read")
    with app.store.write() as conn:
        _thread_row(conn, _seller(request), thread_id)
        conn.execute("UPDATE threads SET read = ? WHERE id = ?", (int(body["read"]), thread_id))
        return _vnd(_thread_json(_thread_row(conn, _seller(request), thread_id)))


def _date_arg(request: Request, name: str) -> str | None:
    if name not in request.args:
        return None
    raw = request.args[name].strip().replace(" ", "+")
    if not validation.DATE_TIME_RE.fullmatch(raw):
        raise validation.invalid(422, f"{name} must be a date-time", name)
    try:
        return iso(parse_iso(raw.upper()))
    except ValueError:
        raise validation.invalid(422, f"{name} is not a valid date-time", name) from None


def thread_messages(app: EmulatorApp, request: Request, thread_id: str) -> Response:
    if request.method == "POST":
        return _write_in_thread(app, request, thread_id)
    limit, offset = _page(request, MESSAGES_MAX_OFFSET)
    before, after = _date_arg(request, "before"), _date_arg(request, "after")
    if before is not None and "offset" in request.args:
        raise validation.invalid(422, "before cannot be used with offset", "before")
    where, params = ["thread_id = ?", "deleted = 0"], [thread_id]
    if before is not None:
        where.append("created_at < ?")
        params.append(before)
    if after is not None:
        where.append("created_at > ?")
        params.append(after)
    with app.store.read() as conn:
        _thread_row(conn, _seller(request), thread_id)
        rows = conn.execute(
            f"SELECT data, from_seller FROM messages WHERE {' AND '.join(where)} "
            "ORDER BY created_at DESC, seq DESC LIMIT ? OFFSET ?",
            [*params, limit, offset],
        ).fetchall()
    messages = [_message_json(request, data, from_seller) for data, from_seller in rows]
    return _vnd({"messages": messages, "offset": offset, "limit": limit})


def _text(body: dict[str, Any]) -> str:
    text = body.get("text")
    if not isinstance(text, str) or not text.strip():
        raise validation.invalid(422, "text is required", "text")
    if len(text) > MAX_TEXT:
        raise validation.invalid(422, f"text must not be longer than {MAX_TEXT}", "text")
    return text


def _attachment_ids(conn: sqlite3.Connection, seller_id: str, body: dict[str, Any]) -> list[str]:
    """The uploaded, unused attachments of this seller the message names."""
    given = body.get("attachments")
    if given is None:
        return []
    if not isinstance(given, list):
        raise validation.invalid(422, "attachments must be a list of {id}", "attachments")
    ids = []
    for item in given:
        attachment_id = item.get("id") if isinstance(item, dict) else None
        row = conn.execute(
            "SELECT content IS NOT NULL, message_id FROM message_attachments "
            "WHERE id = ? AND seller_id = ?",
            (attachment_id, seller_id),
        ).fetchone()
        if row is None or not row[0] or row[1] is not None or attachment_id in ids:
            raise validation.invalid(
                422, f"Attachment {attachment_id} is not uploaded or already sent", "attachments"
            )
        ids.append(str(attachment_id))
    return ids


def _rate_limit(conn: sqlite3.Connection, now: datetime, seller_id: str) -> None:
    """One message a second per seller, as the spec says of both ways of writing."""
    key = f"message_posted_at:{seller_id}"
    last = float(get_setting(conn, key, 0.0))
    if now.timestamp() - last < 1.0:
        raise TooFast()
    set_setting(conn, key, now.timestamp())


def _written(request: Request, data: dict[str, Any]) -> Response:
    return _vnd(_message_json(request, json.dumps(data), 1), 201)


def _write_in_thread(app: EmulatorApp, request: Request, thread_id: str) -> Response:
    body = validation.json_object(validation.json_request(request, 422))
    text = _text(body)
    seller_id = _seller(request)
    now = app.clock.now()
    with app.store.write() as conn:
        _thread_row(conn, seller_id, thread_id)
        attachment_ids = _attachment_ids(conn, seller_id, body)
        _rate_limit(conn, now, seller_id)
        data = add_message(
            conn,
            now,
            thread_id=thread_id,
            author=_login(conn, seller_id),
            from_seller=True,
            text=text,
            order_id=None,
            attachment_ids=attachment_ids,
        )
    return _written(request, data)


def _login(conn: sqlite3.Connection, seller_id: str) -> str:
    return str(sellers.profile(conn, seller_id)["login"])


def new_message(app: EmulatorApp, request: Request) -> Response:
    body = validation.json_object(validation.json_request(request, 422))
    recipient = body.get("recipient")
    login = recipient.get("login") if isinstance(recipient, dict) else None
    if not isinstance(login, str) or not login.strip():
        raise validation.invalid(422, "recipient.login is required", "recipient.login")
    order = body.get("order")
    order_id = order.get("id") if isinstance(order, dict) else None
    if not isinstance(order_id, str) or not order_id:
        # allegro-api#10383: a message about an order must say which.
        raise validation.invalid(422, "order.id is required", "order.id")
    text = _text(body)
    seller_id = _seller(request)
    now = app.clock.now()
    with app.store.write() as conn:
        found = load(conn, order_id.lower())
        if found is None or found.seller_id != seller_id:
            raise validation.invalid(422, f"Order {order_id} not found", "order.id")
        if found.form["buyer"]["login"] != login:
            raise validation.invalid(
                422, "The recipient is not the buyer of this order", "recipient.login"
            )
        attachment_ids = _attachment_ids(conn, seller_id, body)
        _rate_limit(conn, now, seller_id)
        data = add_message(
            conn,
            now,
            thread_id=thread_for(conn, seller_id, login),
            author=_login(conn, seller_id),
            from_seller=True,
            text=text,
            order_id=found.id,
            attachment_ids=attachment_ids,
        )
    return _written(request, data)


def _own_message(conn: sqlite3.Connection, seller_id: str, message_id: str) -> tuple[str, int]:
    data, from_seller = _one(
        conn,
        "Message",
        "SELECT m.data, m.from_seller FROM messages m JOIN threads t ON t.id = m.thread_id "
        "WHERE m.id = ? AND t.seller_id = ? AND m.deleted = 0",
        message_id,
        seller_id,
    )
    return data, from_seller


def message(app: EmulatorApp, request: Request, message_id: str) -> Response:
    if request.method == "DELETE":
        with app.store.write() as conn:
            _data, from_seller = _own_message(conn, _seller(request), message_id)
            if not from_seller:
                raise ApiError(403, "ACCESS_DENIED", "Only your own messages can be deleted")
            conn.execute("UPDATE messages SET deleted = 1 WHERE id = ?", (message_id,))
        return Response(status=204)
    with app.store.read() as conn:
        data, from_seller = _own_message(conn, _seller(request), message_id)
    return _vnd(_message_json(request, data, from_seller))


def _unsupported(filename: str) -> ApiError:
    return ApiError(
        415,
        "UNSUPPORTED_MEDIA_TYPE",
        f"{filename}: only {', '.join(sorted(set(MIME_TYPES.values())))} can be attached",
    )


def attachment_declare(app: EmulatorApp, request: Request) -> Response:
    body = validation.json_object(validation.json_request(request, 422))
    filename, size = body.get("filename"), body.get("size")
    if not isinstance(filename, str) or not filename.strip():
        raise validation.invalid(422, "filename is required", "filename")
    if isinstance(size, bool) or not isinstance(size, int) or not 0 <= size <= MAX_ATTACHMENT_BYTES:
        raise validation.invalid(
            422, f"size must be a number of bytes up to {MAX_ATTACHMENT_BYTES}", "size"
        )
    mime_type = MIME_TYPES.get(filename.rsplit(".", 1)[-1].lower() if "." in filename else "")
    if mime_type is None:
        raise _unsupported(filename)
    attachment_id = str(uuid.uuid4())
    with app.store.write() as conn:
        conn.execute(
            "INSERT INTO message_attachments (id, seller_id, filename, size, mime_type, "
            "created_at) VALUES (?,?,?,?,?,?)",
            (attachment_id, _seller(request), filename, size, mime_type, iso(app.clock.now())),
        )
    return _vnd({"id": attachment_id}, 201)


def attachment(app: EmulatorApp, request: Request, attachment_id: str) -> Response:
    if request.method == "PUT":
        return _upload(app, request, attachment_id)
    with app.store.read() as conn:
        row = conn.execute(
            "SELECT filename, mime_type, content FROM message_attachments "
            "WHERE id = ? AND seller_id = ? AND content IS NOT NULL",
            (attachment_id, _seller(request)),
        ).fetchone()
    if row is None:
        raise not_found("Attachment")
    filename, mime_type, content = row
    response = Response(bytes(content), status=200, content_type=mime_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _upload(app: EmulatorApp, request: Request, attachment_id: str) -> Response:
    content = request.get_data()
    with app.store.write() as conn:
        row = conn.execute(
            "SELECT seller_id, filename, size, message_id FROM message_attachments WHERE id = ?",
            (attachment_id,),
        ).fetchone()
        if row is None:
            raise not_found("Attachment declaration")
        seller_id, filename, size, message_id = row
        if seller_id != _seller(request) or message_id is not None:
            raise ApiError(403, "ACCESS_DENIED", "This attachment cannot be uploaded")
        if request.mimetype not in MIME_TYPES.values():
            raise _unsupported(filename)
        if len(content) > min(size, MAX_ATTACHMENT_BYTES):
            raise ApiError(413, "FILE_TOO_LARGE", f"The file is larger than declared ({size} B)")
        conn.execute(
            "UPDATE message_attachments SET content = ?, mime_type = ? WHERE id = ?",
            (content, request.mimetype, attachment_id),
        )
    return _vnd({"id": attachment_id})


# The control lever


def buyer_writes(app: EmulatorApp, request: Request) -> Response:
    """`{"order": id, "text"?: str, "attachment"?: true | {"name", "content_base64"}}`: the
    order's buyer writes to its seller about it (the thread turns unread)."""
    body = json_object(request, ControlError)
    order_id = body.get("order")
    with app.store.write() as conn:
        found = load(conn, str(order_id or "").lower())
        if found is None:
            raise ControlError("order: no such order", 404)
        text = body.get("text") or BUYER_TEXT.get(found.form["marketplace"]["id"], "Hello")
        if not isinstance(text, str) or len(text) > MAX_TEXT:
            raise ControlError(f"text must be a string of at most {MAX_TEXT} characters")
        attachment_ids = []
        if body.get("attachment"):
            attachment_ids.append(
                _buyer_attachment(conn, app.clock.now(), found.seller_id, body["attachment"])
            )
        login = found.form["buyer"]["login"]
        data = add_message(
            conn,
            app.clock.now(),
            thread_id=thread_for(conn, found.seller_id, login),
            author=login,
            from_seller=False,
            text=text,
            order_id=found.id,
            attachment_ids=attachment_ids,
        )
    return json_response(
        {
            "thread": data["thread"]["id"],
            "message": data["id"],
            "attachments": [a["id"] for a in data["attachmentIds"]],
        },
        201,
    )


def _buyer_attachment(conn: sqlite3.Connection, now: datetime, seller_id: str, spec: Any) -> str:
    name, content = "zdjecie.png", PIXEL_PNG
    if isinstance(spec, dict):
        name = str(spec.get("name") or name)
        try:
            content = base64.b64decode(spec.get("content_base64") or "", validate=True) or content
        except ValueError:
            raise ControlError("attachment.content_base64 must be base64") from None
    mime_type = MIME_TYPES.get(name.rsplit(".", 1)[-1].lower())
    if mime_type is None or len(content) > MAX_ATTACHMENT_BYTES:
        raise ControlError("attachment: an image or a PDF of at most 5 MB")
    attachment_id = str(uuid.uuid4())
    conn.execute(
        "INSERT INTO message_attachments (id, seller_id, filename, size, mime_type, content, "
        "created_at) VALUES (?,?,?,?,?,?,?)",
        (attachment_id, seller_id, name, len(content), mime_type, content, iso(now)),
    )
    return attachment_id


def threads_state(app: EmulatorApp, request: Request) -> Response:
    """Every thread with all its messages, oldest first (deleted ones marked), for tests."""
    with app.store.read() as conn:
        rows = conn.execute(
            "SELECT id, seller_id, interlocutor, read, last_message_at FROM threads ORDER BY seq"
        ).fetchall()
        result = []
        for thread_id, seller_id, interlocutor, read, last in rows:
            messages = [
                {
                    "id": data["id"],
                    "text": data["text"],
                    "fromSeller": bool(from_seller),
                    "deleted": bool(deleted),
                    "orderId": (data["relatesTo"].get("order") or {}).get("id"),
                    "attachments": [a["fileName"] for a in data["attachmentIds"]],
                    "createdAt": data["createdAt"],
                }
                for raw, from_seller, deleted in conn.execute(
                    "SELECT data, from_seller, deleted FROM messages WHERE thread_id = ? "
                    "ORDER BY created_at, seq",
                    (thread_id,),
                )
                for data in [json.loads(raw)]
            ]
            result.append(
                {
                    "id": thread_id,
                    "seller": seller_id,
                    "interlocutor": interlocutor,
                    "read": bool(read),
                    "lastMessageDateTime": last,
                    "messages": messages,
                }
            )
    return json_response({"threads": result})
