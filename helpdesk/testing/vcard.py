"""A tiny virtual smart card speaking vsmartcard's ``vpcd`` socket protocol.

pcscd loads the vpcd driver (``/etc/reader.conf.d/vpcd``), which listens on
127.0.0.1:35963 for reader slot 0 (``Virtual PCD 00 00``) and 35964 for slot 1.
A card is a TCP *client* of that port: connecting is "inserting", closing the
socket is "removing" — pcscd sees real insert/remove events, with our chosen ATR.

Frames both ways are a 2-byte big-endian length then the payload. A 1-byte payload
from vpcd is a control message (0x00 power off, 0x01 power on, 0x02 reset,
0x04 get ATR — only the last one is answered); anything longer is a command APDU,
answered with a response APDU.

We use this instead of ``vicc`` because it takes any ATR (including garbage), starts
in milliseconds and needs no extra packages.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import struct
import threading
import time
from collections.abc import Callable
from types import TracebackType

log = logging.getLogger(__name__)

VPCD_HOST = "127.0.0.1"
VPCD_PORT = 35963  # slot 0; slot n listens on VPCD_PORT + n

POWER_OFF, POWER_ON, RESET, GET_ATR = 0x00, 0x01, 0x02, 0x04

#: Response for any APDU we do not know: "INS not supported".
SW_INS_NOT_SUPPORTED = bytes.fromhex("6D00")
SW_OK = bytes.fromhex("9000")

Responder = Callable[[bytes], bytes]


def default_responder(apdu: bytes) -> bytes:
    """SELECT (INS A4) succeeds, everything else is 6D00."""
    if len(apdu) >= 2 and apdu[1] == 0xA4:
        return SW_OK
    return SW_INS_NOT_SUPPORTED


def slot_port(slot: int) -> int:
    return VPCD_PORT + slot


class VirtualCard:
    """One card in one vpcd slot.

    ``insert()`` connects and serves vpcd in a daemon thread; ``remove()`` closes the
    socket. With ``survive_restart`` (default) the card stays "in the reader" when
    pcscd dies: it reconnects as soon as vpcd listens again, like a real card that
    nobody pulled out while the daemon restarted.
    """

    def __init__(
        self,
        atr: bytes,
        port: int = VPCD_PORT,
        *,
        host: str = VPCD_HOST,
        responder: Responder = default_responder,
        survive_restart: bool = True,
    ) -> None:
        self.atr = bytes(atr)
        self.port = port
        self.host = host
        self.responder = responder
        self.survive_restart = survive_restart
        self.powered = False
        self.apdus: list[bytes] = []  # every command APDU received, for tests
        self._sock: socket.socket | None = None
        self._lock = threading.Lock()
        self._removed = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def slot(self) -> int:
        return self.port - VPCD_PORT

    @property
    def atr_hex(self) -> str:
        return self.atr.hex().upper()

    @property
    def inserted(self) -> bool:
        return self._thread is not None and not self._removed.is_set()

    def insert(self, timeout: float = 5.0) -> None:
        """Connect to vpcd (retrying while it is not listening yet) and start serving."""
        if self.inserted:
            return
        self._removed.clear()
        sock = self._connect(deadline=time.monotonic() + timeout)
        if sock is None:
            raise ConnectionError(f"vpcd is not listening on {self.host}:{self.port}")
        with self._lock:
            self._sock = sock
        self._thread = threading.Thread(
            target=self._serve, name=f"vcard-{self.port}", daemon=True
        )
        self._thread.start()

    def remove(self, timeout: float = 2.0) -> None:
        """Pull the card out: close the socket; vpcd reports the slot empty."""
        self._removed.set()
        with self._lock:
            sock, self._sock = self._sock, None
        if sock is not None:
            _close(sock)
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
        self.powered = False

    def __enter__(self) -> VirtualCard:
        self.insert()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.remove()

    # -- internals ------------------------------------------------------------

    def _connect(self, deadline: float | None) -> socket.socket | None:
        """Connect, retrying every 50 ms until ``deadline`` (None: until removed)."""
        while not self._removed.is_set():
            try:
                sock = socket.create_connection((self.host, self.port), timeout=1.0)
            except OSError:
                if deadline is not None and time.monotonic() >= deadline:
                    return None
                self._removed.wait(0.05)
                continue
            sock.settimeout(None)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            return sock
        return None

    def _serve(self) -> None:
        while not self._removed.is_set():
            with self._lock:
                sock = self._sock
            if sock is not None:
                try:
                    self._serve_connection(sock)
                except OSError:
                    pass  # vpcd went away (pcscd died) or we were removed
                _close(sock)
            if self._removed.is_set() or not self.survive_restart:
                break
            self.powered = False
            new = self._connect(deadline=None)
            with self._lock:
                if self._removed.is_set():
                    if new is not None:
                        _close(new)
                    break
                self._sock = new
        log.debug("virtual card on port %d stopped serving", self.port)

    def _serve_connection(self, sock: socket.socket) -> None:
        while True:
            header = _recv_exact(sock, 2)
            if header is None:
                return
            (length,) = struct.unpack(">H", header)
            payload = _recv_exact(sock, length)
            if payload is None:
                return
            reply = self._handle(payload)
            if reply is not None:
                sock.sendall(struct.pack(">H", len(reply)) + reply)

    def _handle(self, payload: bytes) -> bytes | None:
        if len(payload) == 1:
            code = payload[0]
            if code == GET_ATR:
                return self.atr
            if code == POWER_ON:
                self.powered = True
            elif code == POWER_OFF:
                self.powered = False
            return None  # power on/off and reset are not answered
        self.apdus.append(payload)
        try:
            return self.responder(payload)
        except Exception:  # a test's responder must not kill the card
            log.exception("virtual card responder failed")
            return SW_INS_NOT_SUPPORTED


def _recv_exact(sock: socket.socket, n: int) -> bytes | None:
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return bytes(buf)


def _close(sock: socket.socket) -> None:
    # shutdown() wakes the serving thread blocked in recv(); close() alone may not.
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        sock.close()
