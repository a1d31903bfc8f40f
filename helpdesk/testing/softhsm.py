"""Throw-away SoftHSM2 token stores with real tokens, keys and certificates.

Each store has its own ``softhsm2.conf`` (``SOFTHSM2_CONF``) and two folders: ``live``
(what the library sees) and ``shelf`` (tokens "not in the reader"). Inserting a token
moves its directory from the shelf to live; removing moves it back — the way a USB
token comes and goes. SoftHSM2 notices only after C_Finalize + C_Initialize, which
the TokenWorker does on a PC/SC event for libraries flagged ``reinit_on_change``.
Tokens are written by real tools in other processes: ``softhsm2-util`` initialises
them and :mod:`helpdesk.testing.provision` writes keys and certificates.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from helpdesk.testing.ca import TestCA, person_subject, pooled_key

SOFTHSM_LIBRARY = "/usr/lib/softhsm/libsofthsm2.so"


@dataclass
class ProvisionedToken:
    serial: str
    label: str
    pin: str
    so_pin: str
    directory_name: str
    certificates: list[x509.Certificate] = field(default_factory=list)
    keys: dict[str, rsa.RSAPrivateKey] = field(default_factory=dict)  # key id hex -> key


@dataclass
class Issued:
    """A token holding a key pair and the certificate a CA issued to ``name``."""

    token: ProvisionedToken
    cert: x509.Certificate
    name: str
    national_id: str | None

    @property
    def serial(self) -> str:
        return self.token.serial

    @property
    def cert_serial(self) -> str:
        return f"{self.cert.serial_number:X}"


class SoftHSMStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.live = root / "live"
        self.shelf = root / "shelf"
        self.live.mkdir(parents=True, exist_ok=True)
        self.shelf.mkdir(parents=True, exist_ok=True)
        self.conf = root / "softhsm2.conf"
        self.shelf_conf = root / "softhsm2-shelf.conf"
        for conf, folder in ((self.conf, self.live), (self.shelf_conf, self.shelf)):
            conf.write_text(
                f"directories.tokendir = {folder}\nobjectstore.backend = file\nlog.level = ERROR\n"
                "slots.removable = true\n"
            )
        self.tokens: dict[str, ProvisionedToken] = {}

    @property
    def env(self) -> dict[str, str]:
        return {"SOFTHSM2_CONF": str(self.conf)}

    def _run(self, args: list[str], conf: Path, stdin: str | None = None) -> str:
        env = {**os.environ, "SOFTHSM2_CONF": str(conf)}
        done = subprocess.run(args, env=env, input=stdin, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{args[0]} failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}")
        return done.stdout

    def create_token(self, label: str = "VGCA Token", pin: str = "123456", so_pin: str = "12345678",
                     inserted: bool = True) -> ProvisionedToken:
        """Initialise a new empty token on the shelf, and insert it unless asked not to."""
        before = set(os.listdir(self.shelf))
        out = self._run(
            ["softhsm2-util", "--init-token", "--free", "--label", label, "--so-pin", so_pin, "--pin", pin],
            self.shelf_conf,
        )
        created = sorted(set(os.listdir(self.shelf)) - before)
        if len(created) != 1:
            raise RuntimeError(f"softhsm2-util created {created!r}: {out}")
        serial = self._serial_of(created[0])
        token = ProvisionedToken(serial, label, pin, so_pin, created[0])
        self.tokens[serial] = token
        if inserted:
            self.insert(token)
        return token

    def _serial_of(self, directory: str) -> str:
        out = self._run(["softhsm2-util", "--show-slots"], self.shelf_conf)
        # Blocks per slot; the token's serial appears as "Serial number:    abcdef…".
        serials = re.findall(r"Serial number:\s+([0-9a-f]{16})", out)
        known = {t.serial for t in self.tokens.values()}
        fresh = [s for s in serials if s not in known]
        if not fresh:
            raise RuntimeError(f"no new serial in softhsm2-util output for {directory}")
        return str(fresh[-1])

    def _where(self, token: ProvisionedToken) -> Path:
        for folder in (self.live, self.shelf):
            if (folder / token.directory_name).exists():
                return folder
        raise FileNotFoundError(token.directory_name)

    def is_inserted(self, token: ProvisionedToken) -> bool:
        return (self.live / token.directory_name).exists()

    def insert(self, token: ProvisionedToken) -> None:
        if not self.is_inserted(token):
            os.rename(self.shelf / token.directory_name, self.live / token.directory_name)

    def remove(self, token: ProvisionedToken) -> None:
        if self.is_inserted(token):
            os.rename(self.live / token.directory_name, self.shelf / token.directory_name)

    def _provision(self, token: ProvisionedToken, objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
        conf = self.conf if self.is_inserted(token) else self.shelf_conf
        request = {"module": SOFTHSM_LIBRARY, "serial": token.serial, "pin": token.pin, "objects": objects}
        out = self._run([sys.executable, "-m", "helpdesk.testing.provision"], conf, stdin=json.dumps(request))
        result: list[dict[str, Any]] = json.loads(out)["objects"]
        return result

    def add_identity(
        self,
        token: ProvisionedToken,
        ca: TestCA,
        subject: dict[str, str] | None = None,
        key: rsa.RSAPrivateKey | None = None,
        key_index: int = 1,
        key_id: str = "01",
        label: str = "",
        not_before: datetime | None = None,
        not_after: datetime | None = None,
        with_private_key: bool = True,
        on_token_key: bool = False,
        certificate_key: rsa.RSAPrivateKey | None = None,
    ) -> x509.Certificate:
        """Put a key pair and its CA-issued certificate on the token.

        ``on_token_key`` generates the key on the token (≈ 0.45 s); otherwise a pooled
        software key is imported. ``certificate_key`` certifies a *different* key than
        the one stored (a key/certificate mismatch); ``with_private_key=False`` leaves
        only the certificate and public key (a certificate without its private key).
        """
        subject = subject or person_subject()
        label = label or subject.get("CN", "cert")
        if on_token_key:
            answer = self._provision(token, [{"kind": "generate", "id": key_id, "label": label, "bits": 2048}])
            public = serialization.load_der_public_key(base64.b64decode(answer[0]["public_key_b64"]))
            assert isinstance(public, rsa.RSAPublicKey)
        else:
            key = key or pooled_key(key_index)
            token.keys[key_id] = key
            der = key.private_bytes(
                serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
            self._provision(token, [{
                "kind": "keypair", "id": key_id, "label": label,
                "key_pkcs8_b64": base64.b64encode(der).decode(),
                "with_private": with_private_key, "private": True, "public": True,
            }])
            public = key.public_key()
        if certificate_key is not None:
            public = certificate_key.public_key()
        cert = ca.issue(public, subject=subject, not_before=not_before, not_after=not_after)
        self.add_certificate_der(token, cert.public_bytes(serialization.Encoding.DER), key_id, label)
        token.certificates.append(cert)
        return cert

    def issue(self, ca: TestCA, name: str = "Nguyễn Thị Ánh Tuyết", national_id: str | None = "092186001234",
              organisation: str = "Sở Nội vụ thành phố Cần Thơ", inserted: bool = True, pin: str = "123456",
              **identity: Any) -> Issued:
        """A fresh token holding a person's certificate: their ID number in the subject's
        UID as the issuer writes it (``CCCD:…``; ``None``: the CA's old ``CMND`` default),
        further :meth:`add_identity` options in ``identity``."""
        token = self.create_token(inserted=inserted, pin=pin)
        uid = {} if national_id is None else {"uid": f"CCCD:{national_id}"}
        subject = person_subject(name=name, organisation=organisation, **uid)
        return Issued(token, self.add_identity(token, ca, subject=subject, **identity), name, national_id)

    def add_certificate_der(self, token: ProvisionedToken, der: bytes, key_id: str = "ff", label: str = "") -> None:
        """Write raw bytes as a CKO_CERTIFICATE (junk DER makes a malformed certificate)."""
        self._provision(token, [{"kind": "certificate", "id": key_id, "label": label,
                                 "der_b64": base64.b64encode(der).decode()}])

    def delete(self, token: ProvisionedToken) -> None:
        shutil.rmtree(self._where(token) / token.directory_name)
        self.tokens.pop(token.serial, None)
