"""Write objects onto a SoftHSM2 token from a separate process.

The kiosk's own process keeps python-pkcs11 on one thread (the TokenWorker), so test
fixtures and the demo set-up write tokens the way a CA's issuing station would: from
another process. Run as ``python -m helpdesk.testing.provision`` with a JSON request on
stdin; prints a JSON answer. Requests::

    {"module": "/usr/lib/softhsm/libsofthsm2.so", "serial": "…", "pin": "…",
     "objects": [
       {"kind": "keypair", "id": "01", "label": "…", "key_pkcs8_b64": "…",
        "private": true, "public": true},
       {"kind": "generate", "id": "02", "label": "…", "bits": 2048},
       {"kind": "certificate", "id": "01", "label": "…", "der_b64": "…"}
     ]}

``generate`` answers with the public key (SubjectPublicKeyInfo, base64) so the caller
can have the CA certify it.
"""

from __future__ import annotations

import base64
import json
import sys
from typing import Any


def _write(session: Any, obj: dict[str, Any]) -> dict[str, Any]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from pkcs11 import Attribute, CertificateType, KeyType, ObjectClass

    key_id = bytes.fromhex(obj["id"])
    label = obj.get("label", "")
    kind = obj["kind"]
    if kind == "keypair":
        key = serialization.load_der_private_key(base64.b64decode(obj["key_pkcs8_b64"]), None)
        assert isinstance(key, rsa.RSAPrivateKey)
        n = key.private_numbers()
        pub = n.public_numbers

        def b(value: int) -> bytes:
            return value.to_bytes((value.bit_length() + 7) // 8, "big")

        if obj.get("with_private", True):
            session.create_object(
                {
                    Attribute.CLASS: ObjectClass.PRIVATE_KEY,
                    Attribute.KEY_TYPE: KeyType.RSA,
                    Attribute.TOKEN: True,
                    Attribute.PRIVATE: bool(obj.get("private", True)),
                    Attribute.SENSITIVE: True,
                    Attribute.SIGN: True,
                    Attribute.DECRYPT: True,
                    Attribute.ID: key_id,
                    Attribute.LABEL: label,
                    Attribute.MODULUS: b(pub.n),
                    Attribute.PUBLIC_EXPONENT: b(pub.e),
                    Attribute.PRIVATE_EXPONENT: b(n.d),
                    Attribute.PRIME_1: b(n.p),
                    Attribute.PRIME_2: b(n.q),
                    Attribute.EXPONENT_1: b(n.dmp1),
                    Attribute.EXPONENT_2: b(n.dmq1),
                    Attribute.COEFFICIENT: b(n.iqmp),
                }
            )
        if obj.get("public", True):
            session.create_object(
                {
                    Attribute.CLASS: ObjectClass.PUBLIC_KEY,
                    Attribute.KEY_TYPE: KeyType.RSA,
                    Attribute.TOKEN: True,
                    Attribute.PRIVATE: False,
                    Attribute.VERIFY: True,
                    Attribute.ID: key_id,
                    Attribute.LABEL: label,
                    Attribute.MODULUS: b(pub.n),
                    Attribute.PUBLIC_EXPONENT: b(pub.e),
                }
            )
        return {"id": obj["id"]}
    if kind == "generate":
        public, _private = session.generate_keypair(
            KeyType.RSA,
            int(obj.get("bits", 2048)),
            id=key_id,
            label=label,
            store=True,
            public_template={Attribute.PRIVATE: False},
            private_template={Attribute.PRIVATE: True, Attribute.SENSITIVE: True, Attribute.EXTRACTABLE: False},
        )
        modulus = int.from_bytes(public[Attribute.MODULUS], "big")
        exponent = int.from_bytes(public[Attribute.PUBLIC_EXPONENT], "big")
        spki = rsa.RSAPublicNumbers(exponent, modulus).public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return {"id": obj["id"], "public_key_b64": base64.b64encode(spki).decode()}
    if kind == "certificate":
        der = base64.b64decode(obj["der_b64"])
        # SoftHSM2 insists on CKA_SUBJECT; junk DER (a malformed-certificate test) gets an
        # empty SEQUENCE as its subject, like a careless issuing tool would write.
        subject, issuer, serial = b"\x30\x00", b"\x30\x00", b"\x02\x01\x00"
        try:
            from cryptography import x509

            cert = x509.load_der_x509_certificate(der)
            subject, issuer = cert.subject.public_bytes(), cert.issuer.public_bytes()
            number = cert.serial_number
            serial = b"\x02" + bytes([(number.bit_length() + 8) // 8]) + number.to_bytes((number.bit_length() + 8) // 8, "big")
        except ValueError:
            pass
        session.create_object(
            {
                Attribute.CLASS: ObjectClass.CERTIFICATE,
                Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
                Attribute.TOKEN: True,
                Attribute.PRIVATE: False,
                Attribute.ID: key_id,
                Attribute.LABEL: label,
                Attribute.SUBJECT: subject,
                Attribute.ISSUER: issuer,
                Attribute.SERIAL_NUMBER: serial,
                Attribute.VALUE: der,
            }
        )
        return {"id": obj["id"]}
    raise ValueError(f"unknown object kind {kind!r}")


def provision(request: dict[str, Any]) -> dict[str, Any]:
    import pkcs11

    lib = pkcs11.lib(request["module"])
    token = lib.get_token(token_serial=request["serial"].encode())
    results = []
    with token.open(rw=True, user_pin=request["pin"]) as session:
        for obj in request.get("objects", []):
            results.append(_write(session, obj))
    return {"objects": results}


def main() -> None:
    request = json.load(sys.stdin)
    json.dump(provision(request), sys.stdout)


if __name__ == "__main__":
    main()
