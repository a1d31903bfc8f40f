"""A loopback HTTP proxy that misbehaves at random, in front of a real registry.

Per request (seeded; each kind once first, then at random): drop the connection before forwarding, drop it
after the registry has answered (the ack is lost), forward it twice (duplicate),
answer 500 before or after forwarding, or delay it. Counts what it did in ``stats``.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx


class FaultProxy:
    def __init__(self, target: str, seed: int = 14, *, drop_before: float = 0.06, drop_after: float = 0.08,
                 duplicate: float = 0.08, error_before: float = 0.03, error_after: float = 0.03,
                 delay: float = 0.2) -> None:
        self.target = target
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.stats: Counter[str] = Counter()
        # every kind of fault happens at least once, whatever the timing: these come first
        self.script = ["drop_before", "duplicate", "error_before", "drop_after", "error_after", "delay"]
        self.odds = [("drop_before", drop_before), ("drop_after", drop_after), ("duplicate", duplicate),
                     ("error_before", error_before), ("error_after", error_after), ("delay", delay)]
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                proxy.handle(self)

            def do_POST(self) -> None:
                proxy.handle(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.http = httpx.Client(base_url=target, timeout=30)
        self._armed = False
        self.held = threading.Event()  # set once a batch was stored and its ack is being held
        self.release = threading.Event()

    def hold_next_ack(self) -> None:
        """Forward the next batch cleanly, then hold its ack until ``release`` (kill the kiosk meanwhile)."""
        with self.lock:
            self._armed = True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> FaultProxy:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.http.close()

    def _fault(self) -> tuple[str, float]:
        with self.lock:
            roll = self.rng.random()
            pause = self.rng.uniform(0.01, 0.3)
            if self.script:
                name = self.script.pop(0)
                self.stats[name] += 1
                return name, pause
            for name, odds in self.odds:
                if roll < odds:
                    self.stats[name] += 1
                    return name, pause
                roll -= odds
            self.stats["clean"] += 1
            return "clean", pause

    def _forward(self, req: BaseHTTPRequestHandler, body: bytes) -> httpx.Response | None:
        try:
            return self.http.request(req.command, req.path, content=body if req.command == "POST" else None,
                                     headers={"content-type": req.headers.get("content-type", "application/json")})
        except httpx.HTTPError:
            return None

    def handle(self, req: BaseHTTPRequestHandler) -> None:
        body = req.rfile.read(int(req.headers.get("content-length") or 0))
        req.close_connection = True
        with self.lock:
            armed = self._armed
            hold, self._armed = (armed, False) if req.command == "POST" else (False, armed)
        if armed and not hold:  # no random faults before the held batch
            answer = self._forward(req, body)
            if answer is not None:
                self._answer(req, answer.status_code, answer.content)
            return
        if hold:
            answer = self._forward(req, body)
            self.stats["held"] += 1
            self.held.set()
            self.release.wait(60)
            if answer is not None:
                self._answer(req, answer.status_code, answer.content)
            return
        fault, pause = self._fault()
        if fault == "drop_before":
            return  # no answer: the client sees the connection closed
        if fault == "error_before":
            self._answer(req, 500, b'{"error":"proxy"}')
            return
        if fault == "delay":
            time.sleep(pause)
        answer = self._forward(req, body)
        if fault == "duplicate":
            answer = self._forward(req, body) or answer
        if fault == "drop_after":
            return  # the registry did the work; its ack is lost
        if fault == "error_after":
            self._answer(req, 500, b'{"error":"proxy"}')
            return
        if answer is None:
            self._answer(req, 502, b'{"error":"registry down"}')
            return
        self._answer(req, answer.status_code, answer.content)

    @staticmethod
    def _answer(req: BaseHTTPRequestHandler, status: int, content: bytes) -> None:
        req.send_response(status)
        req.send_header("content-type", "application/json")
        req.send_header("content-length", str(len(content)))
        req.send_header("connection", "close")
        req.end_headers()
        req.wfile.write(content)
