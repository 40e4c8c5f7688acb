"""A simulated KSeF (Krajowy System e-Faktur): numbers, the QR links and how it answers.

Formats follow the official description (CIRFMF, `faktury/numer-ksef.md` and `kody-qr.md`):
- KSeF number: `NIP-YYYYMMDD-XXXXXXXXXXXX-CC`, 35 characters: the seller's NIP, the day KSeF
  took the invoice, 12 upper-case hex digits, and CRC-8 (polynomial 0x07, initial value 0x00)
  of the first 32 characters as 2 upper-case hex digits.
- KOD I: `https://qr-test.ksef.mf.gov.pl/invoice/{NIP}/{DD-MM-YYYY issue date}/{SHA-256 of the
  invoice file, Base64URL}`.
- KOD II (offline invoices only): `https://qr-test.ksef.mf.gov.pl/certificate/Nip/{context
  NIP}/{seller NIP}/{certificate serial}/{hash}/{signature}`; the signature signs the link
  without `https://` (and without a trailing `/`), here ECDSA P-256 with SHA-256 in IEEE P1363
  form (r || s), Base64URL, with a throwaway self-signed "Offline" certificate the simulator
  makes once and keeps in its db.

This is a simulator: the links point at KSeF's TEST environment, the numbers are invented.
"""

from __future__ import annotations

import base64
import hashlib
import sqlite3
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import NameOID

from erp_simulator.clock import iso
from offline.store import get_setting, set_setting

QR_HOST = "qr-test.ksef.mf.gov.pl"  # KSeF's test environment (TE)
WARSAW = ZoneInfo("Europe/Warsaw")
MODES = ("accept", "offline", "reject")
DEFAULT_REASON = "Błąd weryfikacji semantyki dokumentu faktury"
DEFAULT_SETTING: dict[str, Any] = {"mode": "accept", "delay_seconds": 0, "reason": None}
SHOWABLE = ("accepted", "offline", "not_sent")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def crc8(text: str) -> str:
    """CRC-8, polynomial 0x07, initial value 0x00, as 2 upper-case hex digits."""
    crc = 0
    for byte in text.encode("ascii"):
        crc ^= byte
        for _ in range(8):
            crc = ((crc << 1) ^ 0x07) & 0xFF if crc & 0x80 else (crc << 1) & 0xFF
    return f"{crc:02X}"


def number(nip: str, accepted_on: datetime, seed: str) -> str:
    """A KSeF number for an invoice KSeF took at `accepted_on` (its Warsaw day)."""
    day = accepted_on.astimezone(WARSAW).strftime("%Y%m%d")
    technical = hashlib.sha256(seed.encode()).hexdigest()[:12].upper()
    data = f"{nip}-{day}-{technical}"
    return f"{data}-{crc8(data)}"


def is_valid_number(value: str) -> bool:
    return len(value) == 35 and crc8(value[:32]) == value[33:] and value[32] == "-"


def invoice_hash(document: bytes) -> str:
    """The invoice file's SHA-256, Base64URL (the simulator's file is its canonical JSON)."""
    return b64url(hashlib.sha256(document).digest())


def verification_url(nip: str, issue_date: str, file_hash: str) -> str:
    """KOD I."""
    year, month, day = issue_date.split("-")
    return f"https://{QR_HOST}/invoice/{nip}/{day}-{month}-{year}/{file_hash}"


def certificate_url(conn: sqlite3.Connection, nip: str, file_hash: str, now: datetime) -> str:
    """KOD II, signed with the simulator's Offline certificate (made on first use)."""
    key, certificate = _certificate(conn, nip, now)
    serial = serial_hex(certificate)
    signed = f"{QR_HOST}/certificate/Nip/{nip}/{nip}/{serial}/{file_hash}"
    r, s = decode_dss_signature(key.sign(signed.encode(), ec.ECDSA(hashes.SHA256())))
    signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")  # IEEE P1363
    return f"https://{signed}/{b64url(signature)}"


def serial_hex(certificate: x509.Certificate) -> str:
    return f"{certificate.serial_number:016X}"


def certificate_pem(conn: sqlite3.Connection) -> str | None:
    stored = get_setting(conn, "ksef_certificate")
    return None if stored is None else str(stored["certificate"])


def _certificate(
    conn: sqlite3.Connection, nip: str, now: datetime
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    stored = get_setting(conn, "ksef_certificate")
    if stored is not None:
        key = serialization.load_pem_private_key(stored["key"].encode(), password=None)
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        return key, x509.load_pem_x509_certificate(stored["certificate"].encode())
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, "Symulator ERP – certyfikat KSeF Offline"),
            x509.NameAttribute(NameOID.ORGANIZATION_IDENTIFIER, f"VATPL-{nip}"),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "PL"),
        ]
    )
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number((x509.random_serial_number() >> 97) | 1 << 60)  # 8 bytes, as KSeF's
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=2 * 365))
        .sign(key, hashes.SHA256())
    )
    set_setting(
        conn,
        "ksef_certificate",
        {
            "key": key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ).decode(),
            "certificate": certificate.public_bytes(serialization.Encoding.PEM).decode(),
        },
    )
    return key, certificate


# How KSeF answers, and the state of one invoice.


def setting(conn: sqlite3.Connection) -> dict[str, Any]:
    return {**DEFAULT_SETTING, **get_setting(conn, "ksef", {})}


def set_mode(conn: sqlite3.Connection, value: dict[str, Any]) -> dict[str, Any]:
    set_setting(conn, "ksef", value)
    return setting(conn)


def submit(conn: sqlite3.Connection, now: datetime, *, consumer: bool) -> dict[str, Any]:
    """The KSeF state of an invoice issued now, as the current setting says."""
    state: dict[str, Any] = {
        "status": "not_sent",
        "submitted_at": None,
        "accept_at": None,
        "accepted_at": None,
        "offline": False,
        "reason": None,
    }
    if consumer:
        return state
    current = setting(conn)
    state["submitted_at"] = iso(now)
    if current["mode"] == "offline":
        state.update(status="offline", offline=True)
    elif current["mode"] == "reject":
        state.update(status="rejected", reason=current["reason"] or DEFAULT_REASON)
    elif current["delay_seconds"] > 0:
        later = now + timedelta(seconds=current["delay_seconds"])
        state.update(status="pending", accept_at=iso(later))
    else:
        state.update(status="accepted", accepted_at=iso(now))
    return state


def current(state: dict[str, Any], now: datetime) -> dict[str, Any]:
    """`state` as of `now`: a pending invoice whose delay has passed is accepted (then)."""
    if state["status"] == "pending" and _parse(state["accept_at"]) <= now:
        return {**state, "status": "accepted", "accepted_at": state["accept_at"]}
    return state


def accept(state: dict[str, Any], now: datetime) -> dict[str, Any]:
    return {**state, "status": "accepted", "accepted_at": iso(now), "reason": None}


def reject(state: dict[str, Any], reason: str | None) -> dict[str, Any]:
    return {**state, "status": "rejected", "reason": reason or DEFAULT_REASON}


def accepted_at(state: dict[str, Any]) -> datetime | None:
    return _parse(state["accepted_at"]) if state.get("accepted_at") else None


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))
