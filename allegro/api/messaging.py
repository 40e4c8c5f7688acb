"""Allegro's message centre (`/messaging/...` of after-sales-api.yaml): threads, messages,
the read flag and attachments, over an account's AllegroClient. HTTP only, no models.

Writing a message is not idempotent on Allegro's side (no key to repeat a call safely): callers
read the thread before they write again (allegro.messaging.services).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

from allegro.api.client import (
    AllegroClient,
    _fits_contract,
    _json_body,
    _optional_datetime,
    format_datetime,
    parse_datetime,
)

PAGE = 20  # the most threads or messages Allegro lists at once


@dataclass(frozen=True)
class Thread:
    id: str
    read: bool
    last_message_at: datetime | None
    interlocutor_login: str


@dataclass(frozen=True)
class Attachment:
    id: str  # the last part of its download URL
    file_name: str
    mime_type: str
    status: str


@dataclass(frozen=True)
class Message:
    id: str
    thread_id: str
    created_at: datetime
    author_login: str
    # True: the buyer wrote it; False: the seller (through us or Allegro's own pages).
    from_interlocutor: bool
    text: str
    status: str
    checkout_form_id: str | None
    offer_id: str | None
    attachments: tuple[Attachment, ...]
    raw: Mapping[str, Any]


@dataclass(frozen=True)
class Download:
    content: bytes
    content_type: str
    file_name: str


def _thread(item: Mapping[str, Any]) -> Thread:
    return Thread(
        id=item["id"],
        read=bool(item["read"]),
        last_message_at=_optional_datetime(item.get("lastMessageDateTime")),
        interlocutor_login=(item.get("interlocutor") or {}).get("login") or "",
    )


def _message(item: Mapping[str, Any]) -> Message:
    relates = item.get("relatesTo") or {}
    attachments = tuple(
        Attachment(
            id=(a.get("url") or "").rstrip("/").rsplit("/", 1)[-1],
            file_name=a["fileName"],
            mime_type=a.get("mimeType") or "application/octet-stream",
            status=a["status"],
        )
        for a in item.get("attachments") or ()
    )
    return Message(
        id=item["id"],
        thread_id=item["thread"]["id"],
        created_at=parse_datetime(item["createdAt"]),
        author_login=item["author"]["login"],
        from_interlocutor=bool(item["author"]["isInterlocutor"]),
        text=item["text"],
        status=item["status"],
        checkout_form_id=(relates.get("order") or {}).get("id"),
        offer_id=(relates.get("offer") or {}).get("id"),
        attachments=attachments,
        raw=item,
    )


def _thread_path(thread_id: str, suffix: str = "") -> str:
    return f"/messaging/threads/{quote(thread_id, safe='')}{suffix}"


# The client's request plumbing (auth, budget, typed errors) is shared; its methods are the
# order API's, these are the message centre's.


@_fits_contract
def threads(client: AllegroClient, *, offset: int = 0, limit: int = PAGE) -> list[Thread]:
    """Threads by their newest message, newest first."""
    payload = client._get("/messaging/threads", {"offset": offset, "limit": limit})
    return [_thread(item) for item in payload["threads"]]


@_fits_contract
def thread_messages(
    client: AllegroClient,
    thread_id: str,
    *,
    offset: int = 0,
    limit: int = PAGE,
    after: datetime | None = None,
) -> list[Message]:
    """A page of the thread's messages, newest first; `after` (exclusive) narrows it."""
    params: dict[str, Any] = {"offset": offset, "limit": limit}
    if after is not None:
        params["after"] = format_datetime(after)
    payload = client._get(_thread_path(thread_id, "/messages"), params)
    return [_message(item) for item in payload["messages"]]


@_fits_contract
def thread_mark_read(client: AllegroClient, thread_id: str) -> Thread:
    path = _thread_path(thread_id, "/read")
    return _thread(_json_body(client._request("PUT", path, json={"read": True}), f"PUT {path}"))


@_fits_contract
def message_write(
    client: AllegroClient,
    *,
    text: str,
    thread_id: str | None = None,
    recipient_login: str | None = None,
    checkout_form_id: str | None = None,
    attachment_ids: Sequence[str] = (),
) -> Message:
    """Write about an order (`recipient_login` and `checkout_form_id`: the message centre
    requires the order's id, allegro-api#10383) or in a thread that is about none."""
    body: dict[str, Any] = {"text": text}
    if attachment_ids:
        body["attachments"] = [{"id": attachment_id} for attachment_id in attachment_ids]
    if checkout_form_id:
        body["recipient"] = {"login": recipient_login}
        body["order"] = {"id": checkout_form_id}
        path = "/messaging/messages"
    elif thread_id:
        path = _thread_path(thread_id, "/messages")
    else:
        raise ValueError("A message goes about an order or into a thread.")
    return _message(_json_body(client._request("POST", path, json=body), f"POST {path}"))


def attachment_download(client: AllegroClient, attachment_id: str) -> Download:
    path = f"/messaging/message-attachments/{quote(attachment_id, safe='')}"
    response = client._request("GET", path)
    disposition = response.headers.get("Content-Disposition") or ""
    name = disposition.split("filename=", 1)[-1].strip('"; ') if "filename=" in disposition else ""
    return Download(
        content=response.content,
        content_type=response.headers.get("Content-Type") or "application/octet-stream",
        file_name=name or attachment_id,
    )
