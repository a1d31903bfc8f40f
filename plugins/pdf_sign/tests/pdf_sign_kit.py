"""Fixtures for the pdf_sign tests: certificate variants from the test CA, a CRL and an OCSP
responder served over real HTTP on 127.0.0.1, a kiosk wired with the plugin, and tokens
holding each variant.

(A uniquely named module: plugin test folders share ``sys.path``.)
"""

from __future__ import annotations

import base64
import dataclasses
import functools
import threading
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Literal, TypeVar
from urllib.parse import unquote

import helpdesk_pdf_sign.plugin
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID
from textual.screen import Screen
from textual.widgets import Static

from helpdesk.extension import OperatorRef, TokenInfo, WorkflowContext
from helpdesk.testing.ca import TestCA, build_name, person_subject, pooled_key
from helpdesk.testing.fixtures_e2e import wait_until as e2e_wait_until
from helpdesk.testing.host import ReaderDesk
from helpdesk.testing.host import type_text as type_text  # the tests import it from here
from helpdesk.testing.kit import (
    Kiosk,
    ModuleRegistry,
    Settings,
    TokenWorker,
    load_settings,
    open_kiosk,
)
from helpdesk.testing.softhsm import Issued, SoftHSMStore

OPERATOR = OperatorRef("op-binh", "Trần Văn Bình", "operator")
HOLDER = "Nguyễn Thị Ánh Tuyết"

#: KeyUsage flags in cryptography's argument order.
SIGNING_USAGE = dict(digital_signature=True, content_commitment=True, key_encipherment=False,
                     data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
                     encipher_only=False, decipher_only=False)
ENCRYPTION_ONLY = {**SIGNING_USAGE, "digital_signature": False, "content_commitment": False,
                   "key_encipherment": True}


@dataclasses.dataclass
class VariantCA(TestCA):
    """The session's test CA (same root key and certificate) issuing variants: a CRL
    distribution point, an OCSP responder (Authority Information Access), another key
    usage; random serials; revocation, CRLs and OCSP responses."""

    __test__ = False

    crl_url: str = ""
    ocsp_url: str = ""
    key_usage: dict[str, bool] = dataclasses.field(default_factory=lambda: dict(SIGNING_USAGE))
    revoked: dict[int, datetime] = dataclasses.field(default_factory=dict)

    @classmethod
    def around(cls, ca: TestCA, **kwargs: Any) -> VariantCA:
        return cls(key=ca.key, certificate=ca.certificate, **kwargs)

    def issue(self, public_key: rsa.RSAPublicKey, subject: dict[str, str] | None = None,
              not_before: datetime | None = None, not_after: datetime | None = None,
              serial: int | None = None) -> x509.Certificate:
        now = datetime.now(timezone.utc)
        builder = (
            x509.CertificateBuilder()
            .subject_name(build_name(subject or person_subject()))
            .issuer_name(self.certificate.subject)
            .public_key(public_key)
            .serial_number(serial or x509.random_serial_number())
            .not_valid_before(not_before or now - timedelta(days=1))
            .not_valid_after(not_after or now + timedelta(days=3 * 365))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(**self.key_usage), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()), critical=False)
        )
        if self.crl_url:
            builder = builder.add_extension(x509.CRLDistributionPoints([x509.DistributionPoint(
                [x509.UniformResourceIdentifier(self.crl_url)], None, None, None)]), critical=False)
        if self.ocsp_url:
            builder = builder.add_extension(x509.AuthorityInformationAccess([x509.AccessDescription(
                AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier(self.ocsp_url))]), critical=False)
        return builder.sign(self.key, hashes.SHA256())

    def revoke(self, cert: x509.Certificate) -> None:
        self.revoked[cert.serial_number] = datetime.now(timezone.utc) - timedelta(hours=1)

    def crl(self) -> bytes:
        now = datetime.now(timezone.utc)
        builder = (x509.CertificateRevocationListBuilder().issuer_name(self.certificate.subject)
                   .last_update(now - timedelta(minutes=5)).next_update(now + timedelta(days=1))
                   .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()),
                                  critical=False)
                   .add_extension(x509.CRLNumber(len(self.revoked) + 1), critical=False))
        for serial, when in self.revoked.items():
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(when).build())
        return builder.sign(self.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)

    def ocsp_response(self, request_der: bytes) -> bytes:
        """The answer to a DER OCSP request, signed by the CA itself (RFC 6960 §4.2.2.2:
        no delegated responder needed): "good" or "revoked" from :attr:`revoked`, the
        request's nonce echoed; "unauthorized" for a certificate another CA issued."""
        request = ocsp.load_der_ocsp_request(request_der)
        digest = hashes.Hash(request.hash_algorithm)  # of the key's BIT STRING: PKCS#1 for the RSA test CA
        digest.update(self.certificate.public_key().public_bytes(serialization.Encoding.DER,
                                                                 serialization.PublicFormat.PKCS1))
        if request.issuer_key_hash != digest.finalize():
            return ocsp.OCSPResponseBuilder.build_unsuccessful(
                ocsp.OCSPResponseStatus.UNAUTHORIZED).public_bytes(serialization.Encoding.DER)
        now = datetime.now(timezone.utc)
        revoked_at = self.revoked.get(request.serial_number)
        builder = ocsp.OCSPResponseBuilder().add_response_by_hash(
            issuer_name_hash=request.issuer_name_hash, issuer_key_hash=request.issuer_key_hash,
            serial_number=request.serial_number, algorithm=request.hash_algorithm,
            cert_status=ocsp.OCSPCertStatus.REVOKED if revoked_at else ocsp.OCSPCertStatus.GOOD,
            this_update=now - timedelta(minutes=5), next_update=now + timedelta(days=1),
            revocation_time=revoked_at, revocation_reason=x509.ReasonFlags.key_compromise if revoked_at else None,
        ).responder_id(ocsp.OCSPResponderEncoding.HASH, self.certificate)
        try:
            nonce = request.extensions.get_extension_for_class(x509.OCSPNonce).value
            builder = builder.add_extension(nonce, critical=False)
        except x509.ExtensionNotFound:
            pass
        return builder.sign(self.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


class LocalHTTP:
    """A real HTTP server on 127.0.0.1 (a free port, a daemon thread) for a service a
    signature needs; subclasses say what to answer (:meth:`answer`). Requests are counted."""

    path = "/"
    content_type = "application/octet-stream"

    def __init__(self) -> None:
        self.requests = 0
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner._reply(self, b"")

            def do_POST(self) -> None:
                owner._reply(self, self.rfile.read(int(self.headers.get("Content-Length", "0"))))

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}{self.path}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def answer(self, method: str, path: str, body: bytes) -> tuple[int, bytes]:
        """(HTTP status, body) for one request."""
        raise NotImplementedError

    def _reply(self, handler: BaseHTTPRequestHandler, body: bytes) -> None:
        self.requests += 1
        status, reply = self.answer(handler.command, handler.path, body)
        if status != 200:
            handler.send_error(status)
            return
        handler.send_response(200)
        handler.send_header("Content-Type", self.content_type)
        handler.send_header("Content-Length", str(len(reply)))
        handler.end_headers()
        handler.wfile.write(reply)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class CRLServer(LocalHTTP):
    """Serves ``/ca.crl`` from a :class:`VariantCA`."""

    path = "/ca.crl"
    content_type = "application/pkix-crl"

    def __init__(self, ca: VariantCA) -> None:
        self.ca = ca
        super().__init__()

    def answer(self, method: str, path: str, body: bytes) -> tuple[int, bytes]:
        return (200, self.ca.crl()) if method == "GET" and path == self.path else (404, b"")


OCSPMode = Literal["answer", "garbage", "error"]


class OCSPResponder(LocalHTTP):
    """An OCSP responder for a :class:`VariantCA`: requests by POST (RFC 6960 A.1) or GET
    with the base64 DER in the path (RFC 5019 §5).

    ``mode``: "answer" (signed responses), "garbage" (HTTP 200 with bytes that are no
    OCSP response) or "error" (HTTP 500).
    """

    path = "/ocsp"
    content_type = "application/ocsp-response"

    def __init__(self, ca: VariantCA) -> None:
        self.ca = ca
        self.mode: OCSPMode = "answer"
        super().__init__()

    def answer(self, method: str, path: str, body: bytes) -> tuple[int, bytes]:
        if method == "GET":
            try:
                body = base64.b64decode(unquote(path.removeprefix("/ocsp/")), validate=True)
            except ValueError:
                return 400, b""
        if self.mode == "error":
            return 500, b""
        if self.mode == "garbage":
            return 200, b"<html>not OCSP</html>"
        try:
            return 200, self.ca.ocsp_response(body)
        except ValueError:  # not a DER OCSP request
            return 200, ocsp.OCSPResponseBuilder.build_unsuccessful(
                ocsp.OCSPResponseStatus.MALFORMED_REQUEST).public_bytes(serialization.Encoding.DER)


Served = TypeVar("Served", OCSPResponder, CRLServer)


def _named_in_certificates(server: Served, field: str) -> Iterator[Served]:
    """``server`` running, its CA naming it (``field``: ``ocsp_url``/``crl_url``) in what it issues."""
    setattr(server.ca, field, server.url)
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def ocsp_responder(test_ca: TestCA) -> Iterator[OCSPResponder]:
    """A responder whose CA (``ocsp_responder.ca``) names it in the certificates it issues, and no CRL."""
    yield from _named_in_certificates(OCSPResponder(VariantCA.around(test_ca)), "ocsp_url")


def unused_url(path: str = "/ca.crl") -> str:
    """An address on 127.0.0.1 where nothing listens (connection refused at once)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}{path}"


@pytest.fixture
def crl_server(test_ca: TestCA) -> Iterator[CRLServer]:
    yield from _named_in_certificates(CRLServer(VariantCA.around(test_ca)), "crl_url")


@pytest.fixture
def pdf_sign_plugin(register_plugin: Callable[..., str]) -> str:
    return register_plugin(helpdesk_pdf_sign.plugin, "pdf_sign")


@pytest.fixture
def trust_dir(helpdesk_home: Path, test_ca: TestCA) -> Path:
    """The default trust-store folder ($HELPDESK_HOME/trust) holding the test CA's root."""
    folder = helpdesk_home / "trust"
    folder.mkdir(exist_ok=True)
    (folder / "test-root.pem").write_bytes(test_ca.pem())
    return folder


@pytest.fixture
def settings(trust_dir: Path) -> Settings:
    return load_settings()


@pytest.fixture
def kiosk(pdf_sign_plugin: str, settings: Settings, token_worker: TokenWorker) -> Iterator[Kiosk]:
    with open_kiosk(settings, worker=token_worker) as opened:
        yield opened


def context(kiosk: Kiosk, token: TokenInfo | None = None) -> WorkflowContext:
    return kiosk.context(OPERATOR, token)


@pytest.fixture
def issue(softhsm: SoftHSMStore, test_ca: TestCA) -> Callable[..., Issued]:
    """``issue(ca=…, **add_identity kwargs)``: a fresh token holding a key and certificate."""

    def make(ca: TestCA | None = None, name: str = HOLDER, **kwargs: Any) -> Issued:
        return softhsm.issue(ca or test_ca, name=name, national_id=None, **kwargs)

    return make


def read_token(kiosk: Kiosk, serial: str) -> TokenInfo:
    return kiosk.worker.identify(serial).result(timeout=30)


def other_ca() -> TestCA:
    """A CA the kiosk does not trust (its own key and root)."""
    key = pooled_key(7)
    ca = TestCA.create("CA lạ không được tin cậy")
    name = build_name({"C": "VN", "O": "Tổ chức lạ", "CN": "CA lạ không được tin cậy"})
    now = datetime.now(timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(0x2000).not_valid_before(now - timedelta(days=30)).not_valid_after(now + timedelta(days=900))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .sign(key, hashes.SHA256()))
    ca.key, ca.certificate = key, cert
    return ca


def files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


# ---- Pilot: a small host app with a real token tracker ------------------------------------
class Desk(ReaderDesk):
    def context(self, token: TokenInfo | None = None) -> WorkflowContext:
        return self.kiosk.context(OPERATOR, token)


@pytest.fixture
def desk(kiosk: Kiosk, softhsm: SoftHSMStore, module_registry: ModuleRegistry) -> Desk:
    return Desk(kiosk, softhsm, module_registry)


#: The app under Pilot until a condition holds; the screens here get 30 s (token jobs, printing).
wait_until = functools.partial(e2e_wait_until, timeout=30.0)


def screen_text(screen: Screen[Any]) -> str:
    """Every Static's text on the screen, markup rendered (what the operator sees)."""
    from rich.text import Text

    return "\n".join(Text.from_markup(str(w.content)).plain for w in screen.query(Static))


# ---- an RFC 3161 timestamp server on 127.0.0.1 (pyHanko's DummyTimeStamper behind real HTTP) --
class TSAServer(LocalHTTP):
    """A timestamp authority (RFC 3161 over HTTP): its certificate is issued by the test CA."""

    path = "/tsa"
    content_type = "application/timestamp-reply"

    def __init__(self, ca: TestCA) -> None:
        from asn1crypto import keys
        from asn1crypto import x509 as asn1_x509
        from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

        key = pooled_key(6)
        now = datetime.now(timezone.utc)
        cert = (x509.CertificateBuilder()
                .subject_name(build_name({"C": "VN", "O": "Ban Cơ yếu Chính phủ (thử nghiệm)",
                                          "CN": "Dịch vụ cấp dấu thời gian (thử nghiệm)"}))
                .issuer_name(ca.certificate.subject).public_key(key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=365))
                .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
                .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()),
                               critical=False)
                .sign(ca.key, hashes.SHA256()))
        stamper = DummyTimeStamper(
            tsa_cert=asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)),
            tsa_key=keys.PrivateKeyInfo.load(key.private_bytes(
                serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())))
        self.stamper = stamper
        super().__init__()

    def answer(self, method: str, path: str, body: bytes) -> tuple[int, bytes]:
        from asn1crypto import tsp

        if method != "POST":
            return 405, b""
        return 200, self.stamper.request_tsa_response(tsp.TimeStampReq.load(body)).dump()


@pytest.fixture
def tsa_server(test_ca: TestCA) -> Iterator[TSAServer]:
    server = TSAServer(test_ca)
    try:
        yield server
    finally:
        server.close()
