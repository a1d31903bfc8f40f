"""Warm identify through TokenWorker vs a bare python-pkcs11 loop vs cold pkcs11-tool.

One SoftHSM2 token with two certificates (key pairs + public keys), in a temp store.
- bare: get_token(serial) + open + read every certificate, key ID/modulus, and parse
  the certificates with cryptography — the same reads TokenWorker.identify makes;
- worker: TokenWorker.identify(serial) round trip (queue + future + TokenInfo);
- cold: a fresh `pkcs11-tool --module … -O` process (what a shell script would do).
Prints medians and the ratios worker/bare (goal ≤ 1.5) and worker/cold (goal ≤ 0.1).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BLOCKS = 8  # interleaved so that all three see the same machine load
WARM_PER_BLOCK = 50
COLD_PER_BLOCK = 5


def timed_ms(fn) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def main() -> None:
    root = Path(tempfile.mkdtemp(prefix="bench-token-"))
    from helpdesk.testing.ca import TestCA, person_subject
    from helpdesk.testing.softhsm import SOFTHSM_LIBRARY, SoftHSMStore

    store = SoftHSMStore(root)
    os.environ["SOFTHSM2_CONF"] = str(store.conf)
    ca = TestCA.create()
    token = store.create_token()
    store.add_identity(token, ca, key_id="01", key_index=1)
    store.add_identity(token, ca, key_id="02", key_index=2, subject=person_subject(name="Trần Văn Bình"))

    import pkcs11
    from cryptography import x509
    from pkcs11 import Attribute, ObjectClass

    from helpdesk.config import ModuleEntry
    from helpdesk.tokens.modules import ModuleRegistry
    from helpdesk.tokens.pkcs11 import TokenWorker

    lib = pkcs11.lib(SOFTHSM_LIBRARY)
    serial = token.serial.encode()

    def bare() -> None:
        tok = lib.get_token(token_serial=serial)
        _ = (tok.flags, tok.label, tok.manufacturer_id, tok.model)
        with tok.open() as session:
            keys = {}
            for cls in (ObjectClass.PRIVATE_KEY, ObjectClass.PUBLIC_KEY):
                for obj in session.get_objects({Attribute.CLASS: cls}):
                    keys[obj[Attribute.ID]] = (obj[Attribute.MODULUS], obj[Attribute.PUBLIC_EXPONENT])
            for obj in session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE}):
                cert = x509.load_der_x509_certificate(obj[Attribute.VALUE])
                _ = (obj[Attribute.ID], obj[Attribute.LABEL], cert.subject.rfc4514_string(),
                     cert.issuer.rfc4514_string(), cert.not_valid_after_utc, cert.public_key().public_numbers())

    entry = ModuleEntry(name="softhsm", path=SOFTHSM_LIBRARY, reinit_on_change=True)
    worker = TokenWorker(ModuleRegistry(settings_modules=(entry,), builtins=(entry,))).start()
    info = worker.identify(token.serial).result()
    assert len(info.certificates) == 2
    cmd = ["pkcs11-tool", "--module", SOFTHSM_LIBRARY, "-O"]
    bare()
    subprocess.run(cmd, capture_output=True, check=True)
    samples: dict[str, list[float]] = {"bare": [], "worker": [], "cold": []}
    for _ in range(BLOCKS):
        # bare runs on this thread while the worker idles, then the reverse: the
        # library is never driven from two threads at once.
        samples["bare"] += [timed_ms(bare) for _ in range(WARM_PER_BLOCK)]
        samples["worker"] += [timed_ms(lambda: worker.identify(token.serial).result()) for _ in range(WARM_PER_BLOCK)]
        # After a child process the parent's first memory writes fault (copy-on-write):
        # warm samples come first in each block, and medians ignore the stragglers.
        samples["cold"] += [timed_ms(lambda: subprocess.run(cmd, capture_output=True, check=True))
                            for _ in range(COLD_PER_BLOCK)]
    worker.stop()
    bare_ms, worker_ms, cold_ms = (statistics.median(samples[k]) for k in ("bare", "worker", "cold"))

    print(f"python {sys.version.split()[0]}, SoftHSM2 token with 2 certificates, medians:")
    print(f"  bare python-pkcs11 read      {bare_ms:8.3f} ms  (n={len(samples['bare'])})")
    print(f"  TokenWorker.identify (warm)  {worker_ms:8.3f} ms  (n={len(samples['worker'])})")
    print(f"  cold pkcs11-tool -O process  {cold_ms:8.3f} ms  (n={len(samples['cold'])})")
    print(f"  ratio worker/bare = {worker_ms / bare_ms:.2f}  (goal <= 1.5)")
    print(f"  ratio worker/cold = {worker_ms / cold_ms:.3f} (goal <= 0.1)")


if __name__ == "__main__":
    main()
