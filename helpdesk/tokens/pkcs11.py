"""TokenWorker: the one thread that owns every PKCS#11 library in the process.

python-pkcs11 releases the GIL around each call and its libraries are not safe to drive
from several threads, so every token call is a *job* run on this thread; callers get a
:class:`concurrent.futures.Future`. The UI never waits on a token: it awaits futures in
its own workers.

Tokens are found by serial number only (never slot index or label). After a PC/SC
insert/remove, :meth:`TokenWorker.rescan` re-reads a library's slots (with
C_Finalize + C_Initialize for libraries flagged ``reinit_on_change``, such as SoftHSM2,
which otherwise never notice tokens added or removed by another process) and returns
which serials appeared and vanished.
"""

from __future__ import annotations

import hashlib
import logging
import queue
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any, TypeVar

import pkcs11
import pkcs11.exceptions as p11e
from pkcs11 import Attribute, ObjectClass, TokenFlag

from helpdesk import errors
from helpdesk.secret import Secret
from helpdesk.tokens import cinfo, keyjobs
from helpdesk.tokens.certs import parse_certificate_cached, public_numbers
from helpdesk.tokens.keyjobs import GeneratedKey, KeyRef
from helpdesk.tokens.model import CertInfo, TokenFlags, TokenInfo
from helpdesk.tokens.modules import ModuleChoice, ModuleRegistry

log = logging.getLogger(__name__)

T = TypeVar("T")

#: Errors after which we ask "is the token still there?" before reporting.
_GONE_ERRORS: tuple[type[Exception], ...] = (
    p11e.TokenNotPresent,
    p11e.DeviceRemoved,
    p11e.SessionHandleInvalid,
    p11e.SessionClosed,
    p11e.DeviceError,
    p11e.GeneralError,
    p11e.NoSuchToken,
    p11e.SlotIDInvalid,
    p11e.ObjectHandleInvalid,
    p11e.TokenNotRecognised,
)


@dataclass(frozen=True)
class ModuleProblem:
    """A library that could not be used during a listing (shown, never raised)."""

    module: str
    path: str
    message: str  # English text
    hint: str = ""
    required: bool = False  # forced or configured by the site (not a built-in guess)


@dataclass(frozen=True)
class TokenListing:
    tokens: list[TokenInfo]
    problems: list[ModuleProblem] = field(default_factory=list)


@dataclass(frozen=True)
class ScanDiff:
    """What a rescan of one library found compared with the previous scan."""

    added: list[TokenInfo]
    removed: list[str]  # serials
    present: list[str]  # serials now present


@dataclass
class InjectedFault:
    """Test-only fault injection at the worker boundary, for states SoftHSM2 cannot reach
    (it never sets FINAL_TRY or LOCKED). Flags are OR-ed into what the token reports;
    ``login_error`` is raised instead of calling C_Login for that user type."""

    flags: dict[str, bool] = field(default_factory=dict)
    user_login_error: type[p11e.PKCS11Error] | None = None
    so_login_error: type[p11e.PKCS11Error] | None = None
    #: the token has no room left: making a key or an object raises CKR_DEVICE_MEMORY
    full: bool = False


class _FullSession:
    """A session on a token with no room left (:attr:`InjectedFault.full`): calls that
    store a new object raise ``DeviceMemory`` as a full token does; the rest is real."""

    STORING = frozenset({"generate_keypair", "generate_key", "create_object", "copy"})

    def __init__(self, session: Any) -> None:
        self._session = session

    def __getattr__(self, name: str) -> Any:
        if name in self.STORING:
            def refuse(*args: Any, **kwargs: Any) -> Any:
                raise p11e.DeviceMemory()
            return refuse
        return getattr(self._session, name)


@dataclass
class _Located:
    choice: ModuleChoice
    lib: Any  # pkcs11.lib
    token: Any  # pkcs11.Token


_STOP = object()


class PinPad:
    """Marker for a PIN typed on the reader's own keypad (protected authentication path).

    Pass :data:`PIN_PAD` wherever a :class:`Secret` PIN is expected; the kiosk then never
    sees the PIN at all.
    """

    def __repr__(self) -> str:
        return "PIN_PAD"


PIN_PAD = PinPad()
Pin = Secret | PinPad


class TokenWorker:
    """Owns python-pkcs11; everything token-related is submitted here."""

    def __init__(self, registry: ModuleRegistry, name: str = "pkcs11-worker") -> None:
        self.registry = registry
        self._jobs: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)
        self._libs: dict[str, Any] = {}  # resolved path -> pkcs11.lib (thread-owned)
        self._present: dict[str, set[str]] = {}  # resolved path -> serials seen at last scan
        self._where: dict[str, tuple[str, str]] = {}  # serial -> (reader, atr) from PC/SC
        self._faults: dict[str, InjectedFault] = {}
        self._key_matches: dict[str, dict[tuple[bytes, str], bool | None]] = {}  # serial -> cache
        self._pin_ranges: dict[str, tuple[int, int]] = {}
        self._started = False
        # Bumped from any thread when PC/SC reports a card removed. A job that ran while
        # it changed re-checks its token before returning: libraries that serve a pulled
        # token from memory (SoftHSM2) would otherwise hand back a stale result.
        self._removals = 0
        self._removals_lock = threading.Lock()

    # ---- lifecycle -----------------------------------------------------------------
    def start(self) -> TokenWorker:
        if not self._started:
            self._started = True
            self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        if self._started and self._thread.is_alive():
            self._jobs.put(_STOP)
            self._thread.join(timeout)

    def __enter__(self) -> TokenWorker:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def thread(self) -> threading.Thread:
        return self._thread

    def submit(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> Future[T]:
        """Run ``fn(*args, **kwargs)`` on the worker thread."""
        if not self._started:
            self.start()
        future: Future[T] = Future()
        self._jobs.put((future, fn, args, kwargs))
        return future

    def call(self, fn: Callable[..., T], *args: Any, timeout: float | None = 60, **kwargs: Any) -> T:
        """Submit and wait (for CLI commands and tests; never from the UI thread)."""
        return self.submit(fn, *args, **kwargs).result(timeout)

    def _loop(self) -> None:
        while True:
            item = self._jobs.get()
            if item is _STOP:
                break
            future, fn, args, kwargs = item
            if not future.set_running_or_notify_cancel():
                continue
            try:
                result = fn(*args, **kwargs)
            except BaseException as exc:  # the worker must survive any job
                future.set_exception(exc)
            else:
                future.set_result(result)
        for lib in self._libs.values():
            try:
                lib.finalize()
            except p11e.PKCS11Error:
                pass

    # ---- public jobs (each returns a Future) ----------------------------------------
    def list_tokens(self, rescan: bool = False) -> Future[TokenListing]:
        return self.submit(self._list_tokens, rescan)

    def identify(self, serial: str, pin: Pin | None = None) -> Future[TokenInfo]:
        """TokenInfo + every certificate; with a PIN, private objects become visible."""
        return self.submit(self._identify, serial, pin)

    def rescan(self, choice: ModuleChoice, reader: str = "", atr: str = "") -> Future[ScanDiff]:
        return self.submit(self._rescan, choice, reader, atr)

    def note_card_removed(self, reader: str) -> None:
        """Thread-safe, immediate (not queued): a card left ``reader``."""
        with self._removals_lock:
            self._removals += 1

    @property
    def removals_noted(self) -> int:
        """How many card removals :meth:`note_card_removed` has heard of (thread-safe)."""
        with self._removals_lock:
            return self._removals

    def forget_reader(self, reader: str) -> Future[None]:
        return self.submit(self._forget_reader, reader)

    def verify_pin(self, serial: str, pin: Pin) -> Future[None]:
        return self.submit(self._verify_pin, serial, pin)

    def change_pin(self, serial: str, old_pin: Pin, new_pin: Pin) -> Future[None]:
        return self.submit(self._change_pin, serial, old_pin, new_pin)

    def unlock(self, serial: str, so_pin: Pin, new_pin: Pin) -> Future[None]:
        """SO log-in + C_InitPIN, then prove the new user PIN works (PIN_PAD: on the reader)."""
        return self.submit(self._unlock, serial, so_pin, new_pin)

    def run_in_session(
        self,
        serial: str,
        fn: Callable[[Any], T],
        pin: Pin | None = None,
        so_pin: Pin | None = None,
        rw: bool = False,
    ) -> Future[T]:
        """Run ``fn(session)`` on the worker thread in a session on that token.

        For plugins that need the raw python-pkcs11 session (pyHanko signing, CSR
        signing). ``fn`` runs on the worker thread: it must not touch the UI.
        """
        return self.submit(self._run_in_session, serial, fn, pin, so_pin, rw)

    def sign(self, serial: str, pin: Pin, data: bytes, *, key: KeyRef | None = None,
             mechanism: str = "SHA256_RSA_PKCS") -> Future[bytes]:
        """Log in and sign ``data`` with the token's private key (``key``: by id/label)."""
        return self.run_in_session(serial, partial(keyjobs.sign, key=key or KeyRef(), data=data, mechanism=mechanism),
                                   pin=pin)

    def generate_key_pair(self, serial: str, pin: Pin, *, key_id: str, label: str,
                          bits: int = 2048) -> Future[GeneratedKey]:
        """Make an RSA key pair on the token (sensitive, never extractable)."""
        return self.run_in_session(serial, partial(keyjobs.generate_rsa, bits=bits, key_id=key_id, label=label),
                                   pin=pin, rw=True)

    def public_key(self, serial: str, key: KeyRef, pin: Pin | None = None) -> Future[bytes]:
        """A public key on the token as SubjectPublicKeyInfo DER."""
        return self.run_in_session(serial, partial(keyjobs.public_key_der, key=key), pin=pin)

    def import_certificate(self, serial: str, pin: Pin, der: bytes, *, key_id: str, label: str) -> Future[None]:
        """Write a certificate object beside the key with CKA_ID ``key_id``."""
        return self.run_in_session(serial, partial(keyjobs.import_certificate, der=der, key_id=key_id, label=label),
                                   pin=pin, rw=True)

    def delete_certificate(self, serial: str, pin: Pin, cert_serial: str) -> Future[int]:
        """Remove the certificate objects with this serial number (hex); how many went."""
        return self.run_in_session(serial, partial(keyjobs.delete_certificate, serial_hex=cert_serial),
                                   pin=pin, rw=True)

    def inject_fault(self, serial: str, fault: InjectedFault | None) -> Future[None]:
        """TEST-ONLY fault injection at our boundary (see :class:`InjectedFault`)."""
        return self.submit(self._set_fault, serial, fault)

    # ---- worker-thread internals -------------------------------------------------------
    def _set_fault(self, serial: str, fault: InjectedFault | None) -> None:
        if fault is None:
            self._faults.pop(serial, None)
        else:
            self._faults[serial] = fault

    def _lib(self, choice: ModuleChoice) -> Any:
        path = choice.resolved_path
        if not path:
            raise errors.ModuleLoadError(
                "PKCS#11 library {path} for {module} is not installed. {hint}",
                path=choice.entry.path,
                module=choice.name,
                hint=choice.install_hint,
            )
        lib = self._libs.get(path)
        if lib is None:
            try:
                lib = pkcs11.lib(path)
            except (p11e.PKCS11Error, OSError, RuntimeError) as exc:
                raise errors.ModuleLoadError(
                    "Cannot load PKCS#11 library {path}: {error}", path=path, error=str(exc)
                ) from exc
            if choice.entry.reinit_on_change and lib.initialized:
                # python-pkcs11 keeps one lib per path per process: a previous worker may
                # have initialised it against another store (SOFTHSM2_CONF is read then).
                lib.reinitialize()
            self._libs[path] = lib
        return lib

    def _tokens_of(self, choice: ModuleChoice, reinit: bool) -> list[tuple[Any, Any]]:
        """(slot, token) for every initialised token of a library."""
        lib = self._lib(choice)
        if reinit:
            lib.reinitialize()
        found = []
        for slot in lib.get_slots(token_present=True):
            try:
                token = slot.get_token()
            except (p11e.TokenNotPresent, p11e.TokenNotRecognised, p11e.GeneralError, p11e.DeviceError):
                continue  # e.g. a SoftHSM token whose directory vanished
            if not token.flags & TokenFlag.TOKEN_INITIALIZED:
                continue  # SoftHSM2 always shows one spare uninitialised slot
            found.append((slot, token))
        return found

    def _list_tokens(self, rescan: bool) -> TokenListing:
        tokens: list[TokenInfo] = []
        problems: list[ModuleProblem] = []
        for choice in self.registry.enumerable():
            try:
                pairs = self._tokens_of(choice, reinit=rescan and choice.entry.reinit_on_change)
                self._present[choice.resolved_path] = {_serial(t) for _, t in pairs}
                for slot, token in pairs:
                    try:
                        tokens.append(self._read(choice, slot, token, None))
                    except _GONE_ERRORS:
                        continue  # vanished between listing and reading
            except errors.ModuleLoadError as exc:
                problems.append(ModuleProblem(choice.name, choice.entry.path, str(exc), choice.install_hint,
                                              required=choice.reason != "builtin"))
            except p11e.PKCS11Error as exc:
                problems.append(ModuleProblem(choice.name, choice.resolved_path, f"{type(exc).__name__}: {exc}",
                                              required=choice.reason != "builtin"))
        return TokenListing(tokens, problems)

    def _locate(self, serial: str, fresh: bool = False) -> _Located:
        """Find a token by serial: libraries already loaded first, then the others.

        A library flagged ``reinit_on_change`` is re-initialised when the token is not in
        its last view (or at once with ``fresh``), to see tokens that came or went.
        """
        loaded = [c for c in self.registry.enumerable() if c.resolved_path in self._libs]
        others = [c for c in self.registry.enumerable() if c.resolved_path not in self._libs]
        for choice in loaded + others:
            try:
                lib = self._lib(choice)
            except errors.ModuleLoadError:
                continue
            reinit = choice.entry.reinit_on_change
            passes = (True,) if fresh and reinit else ((False, True) if reinit else (False,))
            for again in passes:
                try:
                    for _slot, token in self._tokens_of(choice, reinit=again):
                        if _serial(token) == serial:
                            return _Located(choice, lib, token)
                except p11e.PKCS11Error:
                    continue
        raise errors.TokenNotFound("No token with serial {serial} is present.", serial=serial)

    def _identify(self, serial: str, pin: Pin | None) -> TokenInfo:
        with self._guard(serial):
            located = self._locate(serial)
            return self._read(located.choice, located.token.slot, located.token, pin)

    def _read(self, choice: ModuleChoice, slot: Any, token: Any, pin: Pin | None) -> TokenInfo:
        serial = _serial(token)
        flags = _flags(token.flags, self._faults.get(serial))
        if serial not in self._pin_ranges:  # a token's PIN limits never change
            self._pin_ranges[serial] = cinfo.pin_length_range(choice.resolved_path, slot.slot_id)
        low, high = self._pin_ranges[serial]
        reader, atr = self._where.get(serial, ("", ""))
        if not reader:
            reader = (slot.slot_description or "").strip() if choice.name != "softhsm" else ""
        with self._session(choice, token, pin=pin) as session:
            certificates = _read_certificates(session, self._key_matches.setdefault(serial, {}))
        return TokenInfo(
            serial=serial,
            label=token.label.strip(),
            manufacturer=token.manufacturer_id.strip(),
            model=token.model.strip(),
            module=choice.name,
            flags=flags,
            reader=reader,
            atr=atr,
            min_pin_len=low,
            max_pin_len=high,
            certificates=tuple(certificates),
        )

    def _rescan(self, choice: ModuleChoice, reader: str, atr: str) -> ScanDiff:
        before = self._present.get(choice.resolved_path)
        if before is None:  # first scan of this library: everything now present counts
            before = set()
        pairs = self._tokens_of(choice, reinit=choice.entry.reinit_on_change)
        now = {_serial(t): (s, t) for s, t in pairs}
        self._present[choice.resolved_path] = set(now)
        added: list[TokenInfo] = []
        for serial in sorted(set(now) - before):
            slot, token = now[serial]
            desc = (slot.slot_description or "").strip()
            # Attribute the new token to the reader whose event triggered the scan, unless
            # the library names another reader in its slot description.
            if reader and (not desc or choice.name == "softhsm" or desc.startswith(reader)):
                self._where[serial] = (reader, atr)
            try:
                added.append(self._read(choice, slot, token, None))
            except _GONE_ERRORS:
                continue
        removed = sorted(before - set(now))
        for serial in removed:
            self._where.pop(serial, None)
            self._key_matches.pop(serial, None)
        return ScanDiff(added=added, removed=removed, present=sorted(now))

    def _forget_reader(self, reader: str) -> None:
        for serial, (where, _atr) in list(self._where.items()):
            if where == reader:
                del self._where[serial]

    @contextmanager
    def _session(
        self,
        choice: ModuleChoice,
        token: Any,
        pin: Pin | None = None,
        so_pin: Pin | None = None,
        rw: bool = False,
    ) -> Iterator[Any]:
        """Open a session, log in, and always close it — also after a failed log-in."""
        fault = self._faults.get(_serial(token))
        try:
            if pin is not None and fault and fault.user_login_error:
                raise fault.user_login_error()
            if so_pin is not None and fault and fault.so_login_error:
                raise fault.so_login_error()
            session = token.open(rw=rw, user_pin=_pin_value(pin), so_pin=_pin_value(so_pin))
        except p11e.ArgumentsBad as exc:
            if isinstance(pin, PinPad) or isinstance(so_pin, PinPad):
                raise errors.TokenError("This reader has no PIN pad: type the PIN on the kiosk.") from None
            raise errors.TokenError("The token reported an error: {error}", error=type(exc).__name__) from None
        except (p11e.PinIncorrect, p11e.PinLocked, p11e.PinExpired, p11e.PinLenRange, p11e.PinInvalid) as exc:
            # Token.open leaks the session it opened before C_Login failed: close it,
            # or the next SO log-in fails with SessionReadOnlyExists.
            if not cinfo.close_all_sessions(choice.resolved_path, token.slot.slot_id):
                self._lib(choice).reinitialize()
            raise _pin_error(exc, so=so_pin is not None) from None
        try:
            yield _FullSession(session) if fault and fault.full else session
        finally:
            try:
                session.close()  # python-pkcs11 logs out first when logged in
            except p11e.PKCS11Error:
                pass

    @contextmanager
    def _guard(self, serial: str) -> Iterator[None]:
        """Turn library errors into domain errors; detect a pulled token."""
        removals = self._removals
        try:
            yield
            if self._removals != removals and not self._still_present(serial):
                raise errors.TokenRemoved(
                    "The token {serial} was removed during the operation. Insert it again.",
                    serial=serial,
                )
        except errors.HelpdeskError:
            raise
        except _GONE_ERRORS as exc:
            if not self._still_present(serial):
                raise errors.TokenRemoved(
                    "The token {serial} was removed during the operation. Insert it again.",
                    serial=serial,
                ) from None
            raise errors.TokenError("The token reported an error: {error}", error=type(exc).__name__) from None
        except p11e.PKCS11Error as exc:
            raise errors.TokenError("The token reported an error: {error}", error=type(exc).__name__) from None

    def _still_present(self, serial: str) -> bool:
        try:
            self._locate(serial, fresh=True)
        except (errors.TokenNotFound, p11e.PKCS11Error):
            return False
        return True

    def _verify_pin(self, serial: str, pin: Pin) -> None:
        with self._guard(serial):
            located = self._locate(serial)
            with self._session(located.choice, located.token, pin=pin):
                pass

    def _change_pin(self, serial: str, old_pin: Pin, new_pin: Pin) -> None:
        with self._guard(serial):
            located = self._locate(serial)
            with self._session(located.choice, located.token, pin=old_pin, rw=True) as session:
                try:
                    if isinstance(old_pin, Secret) and isinstance(new_pin, Secret):
                        session.set_pin(old_pin.reveal(), new_pin.reveal())
                    else:
                        _check_rv(cinfo.pin_pad_set_pin(located.choice.resolved_path, session.handle))
                except (p11e.PinLenRange, p11e.PinInvalid) as exc:
                    raise _pin_error(exc, so=False) from None

    def _unlock(self, serial: str, so_pin: Pin, new_pin: Pin) -> None:
        with self._guard(serial):
            located = self._locate(serial)
            with self._session(located.choice, located.token, so_pin=so_pin, rw=True) as session:
                try:
                    if isinstance(new_pin, Secret):
                        session.init_pin(new_pin.reveal())
                    else:
                        _check_rv(cinfo.pin_pad_init_pin(located.choice.resolved_path, session.handle))
                except (p11e.PinLenRange, p11e.PinInvalid) as exc:
                    raise _pin_error(exc, so=False) from None
            fresh = self._locate(serial)  # token snapshot with the new flags
            with self._session(fresh.choice, fresh.token, pin=new_pin):
                pass

    def _run_in_session(
        self,
        serial: str,
        fn: Callable[[Any], T],
        pin: Pin | None,
        so_pin: Pin | None,
        rw: bool,
    ) -> T:
        if rw:
            self._key_matches.pop(serial, None)  # the job may write keys or certificates
        with self._guard(serial):
            located = self._locate(serial)
            with self._session(located.choice, located.token, pin=pin, so_pin=so_pin, rw=rw) as session:
                return fn(session)


# ---- helpers -------------------------------------------------------------------------

def _pin_value(pin: Pin | None) -> Any:
    if pin is None:
        return None
    if isinstance(pin, PinPad):
        return pkcs11.PROTECTED_AUTH
    return pin.reveal()


def _check_rv(rv: int) -> None:
    """Raise python-pkcs11's exception for a CK_RV returned by a ctypes call."""
    if rv == 0:
        return
    known: dict[int, type[p11e.PKCS11Error]] = {
        0xA0: p11e.PinIncorrect,
        0xA1: p11e.PinInvalid,
        0xA2: p11e.PinLenRange,
        0xA4: p11e.PinLocked,
        0x32: p11e.DeviceRemoved,
        0xE0: p11e.TokenNotPresent,
        0xB3: p11e.SessionHandleInvalid,
        0x50: p11e.FunctionCancelled,
    }
    raise known.get(rv, p11e.GeneralError)(f"CK_RV 0x{rv:X}")


def _serial(token: Any) -> str:
    raw = token.serial
    text = raw.decode("ascii", "replace") if isinstance(raw, bytes) else str(raw)
    return text.strip().strip("\x00")


def _flags(raw: TokenFlag, fault: InjectedFault | None) -> TokenFlags:
    flags = TokenFlags(
        login_required=bool(raw & TokenFlag.LOGIN_REQUIRED),
        user_pin_initialized=bool(raw & TokenFlag.USER_PIN_INITIALIZED),
        token_initialized=bool(raw & TokenFlag.TOKEN_INITIALIZED),
        protected_authentication_path=bool(raw & TokenFlag.PROTECTED_AUTHENTICATION_PATH),
        user_pin_count_low=bool(raw & TokenFlag.USER_PIN_COUNT_LOW),
        user_pin_final_try=bool(raw & TokenFlag.USER_PIN_FINAL_TRY),
        user_pin_locked=bool(raw & TokenFlag.USER_PIN_LOCKED),
        so_pin_count_low=bool(raw & TokenFlag.SO_PIN_COUNT_LOW),
        so_pin_final_try=bool(raw & TokenFlag.SO_PIN_FINAL_TRY),
        so_pin_locked=bool(raw & TokenFlag.SO_PIN_LOCKED),
    )
    if fault and fault.flags:
        flags = replace(flags, **fault.flags)
    return flags


def _pin_error(exc: Exception, so: bool) -> errors.TokenError:
    who = "SO PIN" if so else "PIN"
    if isinstance(exc, p11e.PinLocked):
        return errors.PinLocked("The {who} of this token is locked.", who=who)
    if isinstance(exc, p11e.PinIncorrect):
        return errors.PinIncorrect("The {who} is incorrect.", who=who)
    if isinstance(exc, p11e.PinExpired):
        return errors.PinIncorrect("The {who} has expired and must be changed.", who=who)
    if isinstance(exc, p11e.PinLenRange):
        return errors.PinPolicyError("The new PIN has a length the token does not accept.")
    return errors.PinPolicyError("The token rejected the new PIN.")


def _attr(obj: Any, attribute: Attribute, default: Any = None) -> Any:
    try:
        return obj[attribute]
    except (p11e.AttributeTypeInvalid, p11e.AttributeSensitive, KeyError, NotImplementedError):
        return default


def _attrs(obj: Any, attributes: tuple[Attribute, ...]) -> dict[Attribute, Any]:
    """Several attributes in one C_GetAttributeValue; one by one if the token refuses."""
    try:
        return dict(obj.get_attributes(attributes))
    except p11e.PKCS11Error:
        return {a: _attr(obj, a) for a in attributes}


def _key_numbers(obj: Any) -> tuple[int, int] | tuple[str, bytes] | None:
    modulus = _attr(obj, Attribute.MODULUS)
    if modulus:
        exponent = _attr(obj, Attribute.PUBLIC_EXPONENT)
        if exponent:
            return (int.from_bytes(modulus, "big"), int.from_bytes(exponent, "big"))
    return None


def _read_certificates(session: Any, match_cache: dict[tuple[bytes, str], bool | None]) -> list[CertInfo]:
    """Every certificate object, matched to key objects by CKA_ID.

    Comparing a key with its certificate needs the key's modulus; the answer is kept in
    ``match_cache`` (per token, dropped on removal or write) keyed by key ID and
    certificate fingerprint, so a token read again costs only the ID reads.
    """
    privates: dict[bytes, Any] = {}
    publics: dict[bytes, Any] = {}
    certificates: list[Any] = []
    # One search over all objects: each C_FindObjectsInit costs a scan of the token.
    for obj in session.get_objects():
        kind = obj.object_class
        if kind == ObjectClass.CERTIFICATE:
            certificates.append(obj)
        elif kind == ObjectClass.PRIVATE_KEY:
            privates[bytes(_attrs(obj, (Attribute.ID,)).get(Attribute.ID) or b"")] = obj
        elif kind == ObjectClass.PUBLIC_KEY:
            publics[bytes(_attrs(obj, (Attribute.ID,)).get(Attribute.ID) or b"")] = obj
    hidden = session.user_type == pkcs11.UserType.NOBODY and not privates
    out: list[CertInfo] = []
    for obj in certificates:
        values = _attrs(obj, (Attribute.VALUE, Attribute.ID, Attribute.LABEL))
        der = bytes(values.get(Attribute.VALUE) or b"")
        key_id = bytes(values.get(Attribute.ID) or b"")
        label = values.get(Attribute.LABEL) or ""
        has_private: bool | None = key_id in privates or (None if hidden else False)
        key_obj = privates.get(key_id) or publics.get(key_id)
        matches: bool | None = None
        if key_obj is not None:
            cache_key = (key_id + (b"\x01" if key_id in privates else b"\x00"), hashlib.sha256(der).hexdigest())
            if cache_key not in match_cache:
                _info, cert = parse_certificate_cached(der, label, key_id)
                numbers = _key_numbers(key_obj)
                ok = cert is not None and numbers is not None
                match_cache[cache_key] = numbers == public_numbers(cert) if ok else None  # type: ignore[arg-type]
            matches = match_cache[cache_key]
        info, _cert = parse_certificate_cached(der, label, key_id, has_private_key=has_private, key_matches=matches)
        out.append(info)
    return out
