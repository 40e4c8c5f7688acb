"""Fulfillment status, shipments and invoices: revisions, conflicts and limits."""

from __future__ import annotations

from tests.emulator.conftest import Emulator, ready_order

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\n%%EOF\n"


def fulfil(em: Emulator, order_id: str, status: str, revision: str | None = None) -> int:
    query = f"?checkoutForm.revision={revision}" if revision else ""
    path = f"/order/checkout-forms/{order_id}/fulfillment{query}"
    return em.put(path, {"status": status}).status_code


def test_fulfillment_change_bumps_revision_not_updated_at_and_emits_event(
    emulator: Emulator,
) -> None:
    em = emulator
    order = ready_order(em)
    cursor = em.get("/order/event-stats").get_json()["latestEvent"]["id"]
    assert fulfil(em, order["id"], "PROCESSING", order["revision"]) == 204
    after = em.get(f"/order/checkout-forms/{order['id']}").get_json()
    assert after["fulfillment"]["status"] == "PROCESSING"
    assert after["revision"] != order["revision"]
    assert after["updatedAt"] == order["updatedAt"]
    events = em.get(f"/order/events?from={cursor}").get_json()["events"]
    assert [(e["type"], e["order"]["checkoutForm"]) for e in events] == [
        ("FULFILLMENT_STATUS_CHANGED", {"id": order["id"], "revision": after["revision"]})
    ]
    # The old revision is stale now.
    assert fulfil(em, order["id"], "SENT", order["revision"]) == 409
    assert fulfil(em, order["id"], "SENT", after["revision"]) == 204
    history = em.state(order["id"])["fulfillmentHistory"]
    assert [h["status"] for h in history] == ["PROCESSING", "SENT"]


def test_returned_cannot_be_set(emulator: Emulator) -> None:
    order = ready_order(emulator)
    assert fulfil(emulator, order["id"], "RETURNED") == 422
    assert fulfil(emulator, order["id"], "NOT_A_STATUS") == 422


def test_101st_status_change_is_refused(emulator: Emulator) -> None:
    em = emulator
    order = ready_order(em)
    for number in range(100):
        assert fulfil(em, order["id"], "PROCESSING" if number % 2 else "NEW") == 204
    answer = em.put(f"/order/checkout-forms/{order['id']}/fulfillment", {"status": "SENT"})
    assert answer.status_code == 422
    assert answer.get_json()["errors"][0]["code"] == "FULFILLMENT_STATUS_CHANGE_LIMIT_EXCEEDED"


def test_shipments_are_not_idempotent_and_update_the_summary(emulator: Emulator) -> None:
    em = emulator
    ids = em.control("POST", "/orders", {"marketplace": "allegro-cz", "count": 5}).get_json()["ids"]
    orders = [em.get(f"/order/checkout-forms/{i}").get_json() for i in ids]
    order = next((o for o in orders if len(o["lineItems"]) > 1), orders[0])
    path = f"/order/checkout-forms/{order['id']}/shipments"
    first_line = order["lineItems"][0]["id"]
    body = {"carrierId": "PACKETA", "waybill": "Z1234567890", "lineItems": [{"id": first_line}]}
    created = em.post(path, body)
    assert created.status_code == 201
    shipment = created.get_json()
    assert shipment["waybill"] == "Z1234567890" and shipment["lineItems"] == [{"id": first_line}]
    expected = "SOME" if len(order["lineItems"]) > 1 else "ALL"
    form = em.get(f"/order/checkout-forms/{order['id']}").get_json()
    assert form["fulfillment"]["shipmentSummary"]["lineItemsSent"] == expected
    assert form["revision"] != order["revision"] and form["updatedAt"] == order["updatedAt"]

    again = em.post(path, body).get_json()  # a retry adds a second one
    assert again["id"] != shipment["id"]
    em.post(path, {"carrierId": "OTHER", "carrierName": "Kurýr Pepa", "waybill": "P-1"})
    listed = em.get(path).get_json()["shipments"]
    assert [s["waybill"] for s in listed] == ["Z1234567890", "Z1234567890", "P-1"]
    assert listed[2]["carrierName"] == "Kurýr Pepa" and len(listed[2]["lineItems"]) == len(
        order["lineItems"]
    )
    form = em.get(f"/order/checkout-forms/{order['id']}").get_json()
    assert form["fulfillment"]["shipmentSummary"]["lineItemsSent"] == "ALL"


def test_shipment_validation(emulator: Emulator) -> None:
    em = emulator
    order = ready_order(em)
    path = f"/order/checkout-forms/{order['id']}/shipments"
    assert em.post(path, {"carrierId": "DPD", "waybill": "x" * 64}).status_code == 201
    assert em.post(path, {"carrierId": "DPD", "waybill": "x" * 65}).status_code == 400
    assert em.post(path, {"carrierId": "DPD", "waybill": ""}).status_code == 400
    assert em.post(path, {"carrierId": "OTHER", "waybill": "1"}).status_code == 400
    ignored = em.post(path, {"carrierId": "DPD", "waybill": "2", "carrierName": "x"}).get_json()
    assert "carrierName" not in ignored


def test_carriers_list(emulator: Emulator) -> None:
    carriers = {
        c["id"]: c.get("name") for c in emulator.get("/order/carriers").get_json()["carriers"]
    }
    assert {
        "INPOST",
        "DPD",
        "DHL",
        "GLS",
        "POCZTA_POLSKA",
        "UPS",
        "PACKETA",
        "OTHER",
    } <= set(carriers)
    # Removed by Allegro on 11 May and 9 June 2026 (allegro-api#13154, #13267).
    assert not {"WEDO", "ALLEGRO"} & set(carriers)
    assert carriers["POCZTA_POLSKA"] == "Poczta Polska"


def test_invoice_metadata_then_pdf_upload(emulator: Emulator) -> None:
    em = emulator
    order = ready_order(em)
    base = f"/order/checkout-forms/{order['id']}/invoices"
    created = em.post(base, {"file": {"name": "FV-1.pdf"}, "invoiceNumber": "FV 1/07/2026"})
    assert created.status_code == 201
    invoice_id = created.get_json()["id"]
    upload = f"{base}/{invoice_id}/file"

    def put(content: bytes, content_type: str = "application/pdf") -> int:
        return em.client.put(
            upload, data=content, headers=em.headers(**{"Content-Type": content_type})
        ).status_code

    assert put(b"") == 422
    assert put(b"<html>not a pdf</html>") == 422
    assert put(PDF, "application/octet-stream") == 422
    assert put(b"%PDF-" + b"1" * (3 * 1024 * 1024)) == 413
    assert put(PDF) == 200
    assert put(PDF) == 409
    invoices = em.get(base).get_json()
    assert invoices["invoices"][0]["invoiceNumber"] == "FV 1/07/2026"
    assert invoices["invoices"][0]["file"]["securityVerification"]["status"] == "ACCEPTED"
    assert em.state(order["id"])["invoices"][0]["fileSize"] == len(PDF)
    answer = em.client.put(upload.replace(invoice_id, "nope"), data=PDF, headers=em.headers())
    assert answer.status_code == 404


def test_invoice_on_unpaid_order_is_refused(emulator: Emulator) -> None:
    em = emulator
    ids = em.control(
        "POST", "/orders", {"marketplace": "allegro-pl", "status": "BOUGHT"}
    ).get_json()["ids"]
    answer = em.post(f"/order/checkout-forms/{ids[0]}/invoices", {"file": {"name": "a.pdf"}})
    assert answer.status_code == 422
