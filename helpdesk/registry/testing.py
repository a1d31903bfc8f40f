"""Real components for tests and benchmarks: the registry in a uvicorn subprocess on
127.0.0.1 (a free port it keeps across restarts) and a throw-away PostgreSQL server.

PostgreSQL (Debian's package) runs as the ``postgres`` user from a directory under
/tmp (``initdb`` refuses root; pytest's tmp folders are root-only), fsync off.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

if TYPE_CHECKING:
    from helpdesk.sync.pusher import Pusher


class ComponentUnavailable(RuntimeError):
    """A real component (PostgreSQL, the registry) could not start here."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RegistryServer:
    """``helpdesk registry serve`` as a child process; ``kill()`` and ``start()`` again
    keep the same port and database, so clients see an outage, not a new registry."""

    def __init__(self, db_url: str, log_path: Path, *, port: int | None = None,
                 env: dict[str, str] | None = None, read_token: str = "test-read-token",
                 tls: tuple[Path, Path] | None = None) -> None:
        self.tls = tls  # (certificate, key): serve https
        self.db_url = db_url
        self.port = port or free_port()
        self.log_path = log_path
        self.read_token = read_token
        self.env = {**os.environ, **(env or {}), "HELPDESK_REGISTRY_READ_TOKEN": read_token}
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    def _verify(self) -> ssl.SSLContext | bool:
        return ssl.create_default_context(cafile=str(self.tls[0])) if self.tls else True

    def start(self, timeout: float = 30.0) -> RegistryServer:
        cmd = [sys.executable, "-m", "helpdesk.cli", "registry", "serve", "--db", self.db_url,
               "--host", "127.0.0.1", "--port", str(self.port)]
        if self.tls:
            cmd += ["--tls-cert", str(self.tls[0]), "--tls-key", str(self.tls[1])]
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=self.env)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ComponentUnavailable(f"the registry exited ({self.proc.returncode}): {self.log_tail()}")
            try:
                if httpx.get(self.url + "/healthz", timeout=1.0, verify=self._verify()).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        self.kill()
        raise ComponentUnavailable(f"the registry did not answer within {timeout} s: {self.log_tail()}")

    def log_tail(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-2000:]
        except OSError:
            return ""

    def kill(self) -> None:
        """SIGKILL: no graceful shutdown, requests in flight are cut."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)
        self.proc = None

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.proc = None

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30.0, verify=self._verify(),
                            headers={"Authorization": f"Bearer {self.read_token}"})


PG_ROOTS = [Path("/usr/lib/postgresql")]


def pg_bindir() -> Path:
    for root in PG_ROOTS:
        if root.is_dir():
            for version in sorted(root.iterdir(), reverse=True):
                if (version / "bin" / "initdb").exists():
                    return version / "bin"
    raise ComponentUnavailable("PostgreSQL is not installed (Debian package 'postgresql')")


class PostgresServer:
    """A private cluster: ``start()``, ``create_database()`` per test, ``stop()``."""

    def __init__(self) -> None:
        self.bindir = pg_bindir()
        self.port = free_port()
        self.base = Path(tempfile.mkdtemp(prefix="helpdesk-pg-", dir="/tmp"))
        self.data = self.base / "data"
        self.sock = self.base / "sock"
        self.log = self.base / "pg.log"
        self.started = False

    def _as_postgres(self, *args: str, timeout: float = 60.0) -> subprocess.CompletedProcess[str]:
        runuser = shutil.which("runuser")
        cmd = [runuser, "-u", "postgres", "--", *args] if os.geteuid() == 0 and runuser else list(args)
        try:
            return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=True)
        except (subprocess.CalledProcessError, OSError, subprocess.TimeoutExpired) as exc:
            detail = getattr(exc, "stderr", "") or str(exc)
            raise ComponentUnavailable(f"{Path(args[0]).name} failed: {detail.strip()[-1500:]}") from exc

    def start(self) -> PostgresServer:
        self.sock.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.base, "postgres", "postgres")
            shutil.chown(self.sock, "postgres", "postgres")
        self._as_postgres(str(self.bindir / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust",
                          "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
        self._as_postgres(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w", "-t", "30",
                          "-o", f"-p {self.port} -k {self.sock} -c listen_addresses=127.0.0.1 -c fsync=off "
                                f"-c synchronous_commit=off -c max_connections=200", "start")
        self.started = True
        return self

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str | None = None) -> str:
        """A fresh empty database; returns its SQLAlchemy URL."""
        import psycopg

        name = name or f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres",
                             autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        if self.started:
            with contextlib.suppress(ComponentUnavailable):
                self._as_postgres(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
            self.started = False
        shutil.rmtree(self.base, ignore_errors=True)


class KioskUnderTest:
    """A kiosk for tests: its own ``HELPDESK_HOME``, record store (with ``test.note``) and key."""

    def __init__(self, home: Path, kiosk_id: str, registry_url: str = "") -> None:
        from helpdesk.config import Settings
        from helpdesk.store import RecordTypeRegistry, open_store
        from helpdesk.sync.identity import kiosk_identity

        self.home = home
        self.kiosk_id = kiosk_id
        self.settings = Settings(home=home, kiosk_id=kiosk_id, registry_url=registry_url)
        self.record_types = RecordTypeRegistry()
        self.record_types.register("test.note", description="A note (tests)", owner="tests")
        self.identity = kiosk_identity(self.settings)
        self.store = open_store(self.settings.data_dir, kiosk_id, record_types=self.record_types)

    def commit(self, n: int, unit: str | None = None, chunk: int = 200) -> list[str]:
        """``n`` note records (Vietnamese text), committed ``chunk`` at a time; returns their ids."""
        ids: list[str] = []
        for start in range(0, n, chunk):
            items = []
            for i in range(start, min(n, start + chunk)):
                payload: dict[str, object] = {"text": f"Bàn giao thiết bị số {i}"}
                if unit:
                    payload["unit_id"] = unit
                items.append(("test.note", {"subscriber_id": f"sb-{i:06d}", "token_serial": f"TK{i:08d}"},
                              payload, "cán bộ 1"))
            ids.extend(r.id for r in self.store.commit_many(items))
        return ids

    def pusher(self, url: str, batch_size: int = 500) -> Pusher:
        from helpdesk.sync.client import RegistryClient
        from helpdesk.sync.pusher import Pusher

        return Pusher(self.store, self.identity, RegistryClient(url), batch_size)

    def env(self, registry_url: str, batch_size: int = 500) -> dict[str, str]:
        """Environment for a ``helpdesk`` subprocess acting as this kiosk (close the store first)."""
        config = self.home / "helpdesk.toml"
        config.write_text(f'kiosk_id = "{self.kiosk_id}"\n[sync]\nbatch_size = {batch_size}\n', encoding="utf-8")
        return {**os.environ, "HELPDESK_HOME": str(self.home), "HELPDESK_CONFIG": str(config),
                "HELPDESK_REGISTRY_URL": registry_url, "HELPDESK_LANG": "en"}

    def reopen(self) -> None:
        from helpdesk.store import open_store

        self.store.close()
        self.store = open_store(self.settings.data_dir, self.kiosk_id, record_types=self.record_types)

    def close(self) -> None:
        self.store.close()


def self_signed_certificate(directory: Path, host: str = "127.0.0.1") -> tuple[Path, Path]:
    """A certificate (and its key) for ``host`` as an IP address SAN, valid for a day."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "helpdesk registry (test)")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(host))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "registry.crt", directory / "registry.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    key_path.chmod(0o600)
    return cert_path, key_path
