"""The message centre of the emulator: every answer validates against after-sales-api.yaml,
the spec's limits and errors hold, and the buyer's lever writes on an order."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from typing import Any

import requests

from emulator.messaging import PIXEL_PNG
from emulator.testing import running_emulator
from tests.emulator import test_contract as contract
from tests.emulator.conftest import MEDIA_TYPE, Emulator, ready_order
from tests.emulator.test_contract import PDF, SHARED, defined
from tests.emulator.test_control import ROOT

SPEC = SHARED / "after-sales-api.yaml"


def validate(response: Any) -> None:
    """Against the operation's response for that status; one the spec does not list (the 429
    its text promises for writing faster than once a second) must at least be Allegro's."""
    if defined(response.request.method, response.request.path, response.status_code, SPEC):
        contract.validate(response, SPEC)
    else:
        assert response.get_json()["errors"][0]["userMessage"]


def buyer_writes(em: Emulator, order_id: str, **extra: Any) -> dict[str, Any]:
    response = em.control("POST", "/messages", {"order": order_id, **extra})
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def call(em: Emulator, method: str, path: str, body: Any = None, **headers: str) -> Any:
    kwargs: dict[str, Any] = {"headers": em.headers(**headers)}
    if isinstance(body, bytes):
        kwargs["data"] = body
    elif body is not None:
        kwargs["json"] = body
        kwargs["headers"]["Content-Type"] = MEDIA_TYPE
    return em.client.open(path, method=method, **kwargs)


def test_every_messaging_endpoint_and_error_matches_the_spec(emulator: Emulator) -> None:
    em = emulator
    order = ready_order(em)
    written = buyer_writes(em, order["id"], attachment=True)
    thread, message = written["thread"], written["message"]
    [buyer_attachment] = written["attachments"]
    unknown = "00000000-0000-4000-8000-000000000000"
    buyer = order["buyer"]["login"]
    threads = f"/messaging/threads/{thread}"
    declared = call(
        em, "POST", "/messaging/message-attachments", {"filename": "fv.pdf", "size": 60}
    )
    attachment = declared.get_json()["id"]
    other = call(em, "POST", "/messaging/message-attachments", {"filename": "a.png", "size": 10})
    other_attachment = other.get_json()["id"]
    new = {"recipient": {"login": buyer}, "order": {"id": order["id"]}, "text": "Dzień dobry"}

    calls: list[tuple[str, str, Any, int, dict[str, str]]] = [
        ("GET", "/messaging/threads", None, 200, {}),
        ("GET", "/messaging/threads?limit=1&offset=0", None, 200, {}),
        ("GET", "/messaging/threads?limit=21", None, 422, {}),
        ("GET", "/messaging/threads?offset=-1", None, 422, {}),
        ("GET", "/messaging/threads?limit=x", None, 422, {}),
        ("GET", threads, None, 200, {}),
        ("GET", f"/messaging/threads/{unknown}", None, 404, {}),
        ("PUT", f"{threads}/read", {"read": True}, 200, {}),
        ("PUT", f"{threads}/read", {}, 422, {}),
        ("PUT", f"/messaging/threads/{unknown}/read", {"read": True}, 404, {}),
        ("GET", f"{threads}/messages", None, 200, {}),
        ("GET", f"{threads}/messages?limit=5&after=2020-01-01T00:00:00.000Z", None, 200, {}),
        ("GET", f"{threads}/messages?before=2020-01-01T00:00:00Z&offset=1", None, 422, {}),
        ("GET", f"{threads}/messages?after=yesterday", None, 422, {}),
        ("GET", f"{threads}/messages?limit=0", None, 422, {}),
        ("GET", f"/messaging/threads/{unknown}/messages", None, 404, {}),
        ("GET", f"/messaging/messages/{message}", None, 200, {}),
        ("GET", f"/messaging/messages/{unknown}", None, 404, {}),
        ("POST", "/messaging/message-attachments", {"filename": "a.exe", "size": 10}, 415, {}),
        (
            "POST",
            "/messaging/message-attachments",
            {"filename": "a.png", "size": 6_000_000},
            422,
            {},
        ),
        ("POST", "/messaging/message-attachments", {"size": 1}, 422, {}),
        (
            "PUT",
            f"/messaging/message-attachments/{unknown}",
            PDF,
            404,
            {"Content-Type": "application/pdf"},
        ),
        (
            "PUT",
            f"/messaging/message-attachments/{attachment}",
            PDF,
            415,
            {"Content-Type": "text/plain"},
        ),
        (
            "PUT",
            f"/messaging/message-attachments/{other_attachment}",
            PIXEL_PNG,
            413,
            {"Content-Type": "image/png"},
        ),
        (
            "PUT",
            f"/messaging/message-attachments/{attachment}",
            PDF,
            200,
            {"Content-Type": "application/pdf"},
        ),
        ("GET", f"/messaging/message-attachments/{buyer_attachment}", None, 200, {}),
        ("GET", f"/messaging/message-attachments/{unknown}", None, 404, {}),
        ("POST", "/messaging/messages", {**new, "order": None}, 422, {}),
        ("POST", "/messaging/messages", {**new, "order": {"id": unknown}}, 422, {}),
        ("POST", "/messaging/messages", {**new, "recipient": {"login": "someone"}}, 422, {}),
        ("POST", "/messaging/messages", {**new, "text": "x" * 2001}, 422, {}),
        ("POST", "/messaging/messages", {**new, "attachments": [{"id": unknown}]}, 422, {}),
        ("POST", "/messaging/messages", {**new, "attachments": [{"id": attachment}]}, 201, {}),
        ("POST", f"{threads}/messages", {"text": "Too fast"}, 429, {}),
        ("POST", f"{threads}/messages", {"text": " "}, 422, {}),
        ("POST", f"/messaging/threads/{unknown}/messages", {"text": "a"}, 404, {}),
        ("DELETE", f"/messaging/messages/{message}", None, 403, {}),
        ("DELETE", f"/messaging/messages/{unknown}", None, 404, {}),
    ]
    for method, path, body, expected, headers in calls:
        response = call(em, method, path, body, **headers)
        assert response.status_code == expected, (method, path, response.get_data(as_text=True))
        assert response.headers["trace-id"]
        if expected >= 400:
            assert response.mimetype == MEDIA_TYPE
            assert response.get_json()["errors"][0]["code"]
        validate(response)

    em.clock.advance(2)
    posted = call(em, "POST", f"{threads}/messages", {"text": "Wysłane dziś."})
    assert posted.status_code == 201
    validate(posted)
    mine = posted.get_json()["id"]
    deleted = call(em, "DELETE", f"/messaging/messages/{mine}")
    assert deleted.status_code == 204
    validate(deleted)

    em.token = "bogus"
    for path in ("/messaging/threads", threads, f"{threads}/messages"):
        response = call(em, "GET", path)
        assert response.status_code == 401
        validate(response)


def test_a_buyers_message_turns_the_thread_unread_and_the_sellers_reply_reads_it(emulator):
    em = emulator
    order = ready_order(em)
    first = buyer_writes(em, order["id"], text="Kiedy wysyłka?")
    thread = em.get(f"/messaging/threads/{first['thread']}").get_json()
    assert thread["read"] is False
    assert thread["interlocutor"]["login"] == order["buyer"]["login"]

    # A second message of the same buyer lands in the same thread, listed newest first.
    em.clock.advance(5)
    second = buyer_writes(em, order["id"], text="Halo?")
    assert second["thread"] == first["thread"]
    listed = em.get(f"/messaging/threads/{first['thread']}/messages").get_json()["messages"]
    assert [m["text"] for m in listed] == ["Halo?", "Kiedy wysyłka?"]
    assert listed[0]["relatesTo"]["order"]["id"] == order["id"]
    assert listed[0]["author"] == {"login": order["buyer"]["login"], "isInterlocutor": True}

    reply = call(
        em,
        "POST",
        "/messaging/messages",
        {
            "recipient": {"login": order["buyer"]["login"]},
            "order": {"id": order["id"]},
            "text": "Dziś wysyłamy.",
        },
    )
    assert reply.status_code == 201
    assert reply.get_json()["thread"]["id"] == first["thread"]
    assert reply.get_json()["author"]["isInterlocutor"] is False
    assert em.get(f"/messaging/threads/{first['thread']}").get_json()["read"] is True
    newest = em.get("/messaging/threads?limit=1").get_json()["threads"][0]
    assert newest["id"] == first["thread"]


def test_an_attachment_goes_declared_uploaded_attached_and_comes_back_whole(emulator):
    em = emulator
    order = ready_order(em)
    content = b"%PDF-1.4 faktura"
    declared = call(
        em, "POST", "/messaging/message-attachments", {"filename": "FV.pdf", "size": len(content)}
    ).get_json()["id"]
    uploaded = call(
        em,
        "PUT",
        f"/messaging/message-attachments/{declared}",
        content,
        **{"Content-Type": "application/pdf"},
    )
    assert uploaded.status_code == 200
    sent = call(
        em,
        "POST",
        "/messaging/messages",
        {
            "recipient": {"login": order["buyer"]["login"]},
            "order": {"id": order["id"]},
            "text": "Faktura w załączniku.",
            "attachments": [{"id": declared}],
        },
    ).get_json()
    assert sent["attachments"][0]["fileName"] == "FV.pdf"
    url = sent["attachments"][0]["url"]
    assert url.endswith(f"/messaging/message-attachments/{declared}")
    downloaded = em.get(f"/messaging/message-attachments/{declared}")
    assert downloaded.data == content
    assert downloaded.mimetype == "application/pdf"
    assert 'filename="FV.pdf"' in downloaded.headers["Content-Disposition"]
    # Used once: it cannot go with a second message.
    em.clock.advance(2)
    again = call(
        em,
        "POST",
        f"/messaging/threads/{sent['thread']['id']}/messages",
        {"text": "Jeszcze raz", "attachments": [{"id": declared}]},
    )
    assert again.status_code == 422


def test_another_sellers_threads_and_attachments_are_unknown(emulator):
    em = emulator
    order = ready_order(em)
    written = buyer_writes(em, order["id"], attachment=True)
    em.control("POST", "/sellers", {"login": "sklep_cz", "orders": 0})
    em.connect(seller="sklep_cz")
    assert em.get("/messaging/threads").get_json()["threads"] == []
    assert em.get(f"/messaging/threads/{written['thread']}").status_code == 404
    assert em.get(f"/messaging/message-attachments/{written['attachments'][0]}").status_code == 404


def test_the_buyers_lever_refuses_bad_input_with_a_clear_error(emulator):
    em = emulator
    order = ready_order(em)
    cases = [
        ({"order": "nope"}, 404),
        ({"order": order["id"], "text": 5}, 400),
        ({"order": order["id"], "attachment": {"name": "x.exe"}}, 400),
        ({"order": order["id"], "attachment": {"name": "x.png", "content_base64": "!!"}}, 400),
    ]
    for body, status in cases:
        response = em.control("POST", "/messages", body)
        assert response.status_code == status, body
        assert response.get_json()["error"]
    custom = buyer_writes(
        em,
        order["id"],
        attachment={"name": "faktura.pdf", "content_base64": base64.b64encode(PDF).decode()},
    )
    state = em.control("GET", "/threads").get_json()["threads"]
    [message] = [m for t in state for m in t["messages"] if m["id"] == custom["message"]]
    assert message["attachments"] == ["faktura.pdf"]
    assert message["orderId"] == order["id"]


def test_faults_hit_the_message_centre_as_they_hit_orders(emulator):
    em = emulator
    order = ready_order(em)
    thread = buyer_writes(em, order["id"])["thread"]
    em.control("POST", "/faults", {"type": "status", "status": 503, "count": 1})
    assert em.get("/messaging/threads").status_code == 503
    em.control("POST", "/faults", {"type": "corrupt", "count": 1})
    assert em.get("/messaging/threads").get_json() == {}
    # A corrupt fault leaves an attachment's bytes alone (they are not JSON to break).
    attachment = buyer_writes(em, order["id"], attachment=True)["attachments"][0]
    em.control("POST", "/faults", {"type": "corrupt", "count": 1})
    assert em.get(f"/messaging/message-attachments/{attachment}").data == PIXEL_PNG
    assert em.get(f"/messaging/threads/{thread}").status_code == 200


def test_a_reset_wipes_the_message_centre(emulator):
    em = emulator
    buyer_writes(em, ready_order(em)["id"])
    em.control("POST", "/reset", {"seed": False})
    assert em.control("GET", "/threads").get_json() == {"threads": []}


def test_the_cli_writes_as_the_buyer_with_a_file_and_says_so_when_the_file_is_missing(
    tmp_path,
) -> None:
    photo = tmp_path / "paragon.pdf"
    photo.write_bytes(PDF)
    cli = [sys.executable, "-m", "emulator"]
    with running_emulator(tmp_path / "served.sqlite3") as url:
        [order_id] = requests.post(f"{url}/_emulator/orders", json={}, timeout=5).json()["ids"]
        run = subprocess.run(
            [
                *cli,
                "message",
                order_id,
                "--text",
                "Reklamace",
                "--attach",
                str(photo),
                "--url",
                url,
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
        assert json.loads(run.stdout)["attachments"]
        missing = subprocess.run(
            [*cli, "message", order_id, "--attach", str(tmp_path / "none.png"), "--url", url],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=30,
        )
        threads = requests.get(f"{url}/_emulator/threads", timeout=5).json()["threads"]
    assert missing.returncode == 2 and "--attach" in missing.stderr
    [message] = [m for t in threads for m in t["messages"]]
    assert (message["text"], message["attachments"]) == ("Reklamace", ["paragon.pdf"])
