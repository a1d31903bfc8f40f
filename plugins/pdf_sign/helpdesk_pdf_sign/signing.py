"""PAdES signing on the token with pyHanko's PKCS#11 signer.

The token worker owns PKCS#11: :func:`sign_on_token` hands the work to
``ctx.worker.run_in_session`` and pyHanko runs there, on the worker thread, in a
logged-in python-pkcs11 session. pyHanko's async signer sends key look-ups and the
raw signature to the event loop's default executor; that executor is an inline one
here, so every PKCS#11 call stays on the worker thread.

Levels: B-B always; B-T with a timestamp server (RFC 3161) configured; B-LT when the
certificate check fetched revocation data (embedded in the document security store).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from cryptography import x509
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfReadError
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError
from pyhanko.sign.pkcs11 import PKCS11Signer
from pyhanko.sign.timestamps import HTTPTimeStamper
from pyhanko.sign.timestamps.common_utils import TimestampRequestError

from helpdesk.extension import HelpdeskError, Pin, Secret
from helpdesk_pdf_sign.certcheck import RevocationData, TrustStore, to_asn1

T = TypeVar("T")
FIELD_PREFIX = "KyThu"


class SignFailed(HelpdeskError):
    title = "Signing failed"


class NotAPdf(HelpdeskError):
    title = "Not a PDF"


@dataclass(frozen=True)
class SignRequest:
    """What to sign and how (plain data: it crosses to the worker thread)."""

    pdf: bytes
    key_id: str  # CKA_ID (hex) of the certificate and its private key
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...] = ()
    field_name: str = FIELD_PREFIX
    reason: str = "Ký thử"
    location: str = ""
    tsa_url: str = ""
    timeout: float = 5.0
    revocation: RevocationData = field(default_factory=RevocationData)
    trust: TrustStore | None = None  # for B-LT: validation data for the embedded revocation info

    @property
    def level(self) -> str:
        if self.revocation and self.trust is not None:
            return "B-LT"
        return "B-T" if self.tsa_url else "B-B"


class _InlineExecutor(concurrent.futures.ThreadPoolExecutor):
    """Runs submitted work at once, in the calling thread (the token worker's); it never
    starts a thread (asyncio insists on a ThreadPoolExecutor as the default executor)."""

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> concurrent.futures.Future[T]:
        future: concurrent.futures.Future[T] = concurrent.futures.Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # handed to the awaiting coroutine
            future.set_exception(exc)
        return future


def run_inline(coro_factory: Callable[[], Any]) -> Any:
    """Run a coroutine on a fresh loop whose default executor is inline."""
    with asyncio.Runner() as runner:
        runner.get_loop().set_default_executor(_InlineExecutor())
        return runner.run(coro_factory())


def next_field_name(pdf: bytes, prefix: str = FIELD_PREFIX) -> str:
    """A signature field name not used yet in ``pdf`` (a signed record can be signed again)."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        taken = {name for name, _value, _ref in fields.enumerate_sig_fields(reader)}
    except (PdfReadError, ValueError, KeyError):
        raise NotAPdf("The file is not a PDF document") from None
    n = 1
    while f"{prefix}{n}" in taken:
        n += 1
    return f"{prefix}{n}"


def sign_in_session(session: Any, request: SignRequest, on_signing: Callable[[], None] | None = None) -> bytes:
    """Sign ``request.pdf`` in a logged-in python-pkcs11 ``session`` (runs on the token worker).

    ``on_signing`` is called once the key and certificate are found, just before the
    document is hashed and the token signs.
    """
    signer = PKCS11Signer(session, key_id=bytes.fromhex(request.key_id), signing_cert=to_asn1(request.certificate),
                          ca_chain=[to_asn1(c) for c in request.chain])
    context = None
    if request.level == "B-LT" and request.trust is not None:
        context = request.trust.validation_context(revocation=request.revocation)
    meta = signers.PdfSignatureMetadata(
        field_name=request.field_name, md_algorithm="sha256", reason=request.reason,
        location=request.location or None, subfilter=fields.SigSeedSubFilter.PADES,
        embed_validation_info=context is not None, validation_context=context, signer_key_usage=set(),
    )
    timestamper = HTTPTimeStamper(request.tsa_url, timeout=request.timeout) if request.tsa_url else None
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(request.pdf), strict=False)
    except (PdfReadError, ValueError) as exc:
        raise NotAPdf("The file is not a PDF document") from exc
    out = io.BytesIO()

    async def sign() -> None:
        await signer.ensure_objects_loaded()  # type: ignore[no-untyped-call]
        if on_signing is not None:
            on_signing()
        await signers.async_sign_pdf(writer, meta, signer=signer, timestamper=timestamper, output=out)
        if context is not None:
            await context.aclose()  # type: ignore[no-untyped-call]

    try:
        run_inline(sign)
    except TimestampRequestError as exc:
        raise SignFailed("The timestamp server {url} did not answer: {error}; nothing was signed",
                         url=request.tsa_url, error=str(exc)) from None
    except SigningError as exc:
        raise SignFailed("pyHanko could not sign: {error}", error=str(exc)) from None
    except Exception as exc:
        if type(exc).__name__ == "PKCS11Error" and "private key" in str(exc):
            raise SignFailed("The token has no private key for this certificate: it cannot sign with it") from None
        raise
    return out.getvalue()


def sign_on_token(worker: Any, serial: str, pin: Pin | Secret, request: SignRequest,
                  on_signing: Callable[[], None] | None = None) -> bytes:
    """Log in with ``pin`` and sign on the token ``serial`` (blocking: call from a thread job)."""

    def job(session: Any) -> bytes:
        return sign_in_session(session, request, on_signing)

    future = worker.run_in_session(serial, job, pin=pin)
    result: bytes = future.result(timeout=120)
    return result
