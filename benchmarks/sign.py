"""Sign + validate one PDF on one SoftHSM2 token: the kiosk path vs pyHanko's own CLI.

- kiosk, sign + validate: ``signing.sign_on_token`` on the warm TokenWorker (log-in,
  pyHanko's PKCS#11 signer inside ``run_in_session``, PAdES B-B) then ``verify_pdf``
  (pyHanko validation against the trust store) — what the screen does between F9 and
  the result, without the record and the files;
- kiosk, whole test signing: ``service.sign_document`` — the same plus ``ctx.commit``
  (validation hooks, record, audit, outbox), archiving the signed PDF and rendering and
  archiving the receipt;
- pyHanko CLI: ``pyhanko sign addsig --use-pades pkcs11 …`` then ``pyhanko sign validate
  --trust …`` as two processes (what a script without the kiosk would run). The CLI
  reads the PIN from ``PYHANKO_PKCS11_PIN`` — the baseline's way, never the kiosk's.

Same token, same input PDF (the generated "Văn bản ký thử"), same trust root. Every
figure is the median of its samples; methods are interleaved in rounds so all see the
same machine load. Ratio: kiosk sign + validate / pyHanko CLI (goal ≤ 0.5).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROUNDS = 7
KIOSK_PER_ROUND = 3


def timed_ms(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def main() -> None:
    root = Path(tempfile.mkdtemp(prefix="bench-sign-"))
    home = root / "home"
    (home / "trust").mkdir(parents=True)
    from helpdesk.testing.ca import TestCA
    from helpdesk.testing.softhsm import SOFTHSM_LIBRARY, SoftHSMStore

    store = SoftHSMStore(root / "softhsm")
    os.environ.update({"SOFTHSM2_CONF": str(store.conf), "HELPDESK_HOME": str(home),
                       "HELPDESK_PKCS11_MODULE": SOFTHSM_LIBRARY})
    ca = TestCA.create()
    (home / "trust" / "root.pem").write_bytes(ca.pem())
    token = store.create_token(label="Bench Token")
    store.add_identity(token, ca, key_id="01", label="ky-thu")

    from helpdesk_pdf_sign import service
    from helpdesk_pdf_sign.certcheck import TrustStore
    from helpdesk_pdf_sign.signing import SignRequest, sign_on_token
    from helpdesk_pdf_sign.verify import verify_pdf

    from helpdesk.extension import Secret, command_context

    pyhanko = str(Path(sys.executable).with_name("pyhanko"))
    env = {**os.environ, "PYHANKO_PKCS11_PIN": token.pin}
    with command_context("bench") as ctx:
        info = ctx.worker.identify(token.serial).result(timeout=60)
        prepared = service.prepare(ctx, info)
        assert prepared.report.ok, [c.localized() for c in prepared.report.checks]
        document = service.make_test_document(ctx, prepared)
        source = root / "van-ban-ky-thu.pdf"
        source.write_bytes(document.pdf)
        trust = TrustStore.load(home / "trust")
        request = SignRequest(pdf=document.pdf, key_id=prepared.cert_info.key_id, certificate=prepared.certificate,
                              chain=prepared.report.chain, field_name="KyThu1")
        pin = Secret(token.pin)

        def kiosk() -> None:
            signed = sign_on_token(ctx.worker, token.serial, pin, request)
            [report] = verify_pdf(signed, trust, fetch=False)
            assert report.ok

        def kiosk_full() -> None:
            outcome = service.sign_document(ctx, prepared, document, pin)
            assert outcome.ok

        def cli() -> None:
            out = root / "cli-signed.pdf"
            done = subprocess.run([pyhanko, "sign", "addsig", "--field", "KyThu1", "--use-pades", "pkcs11",
                                   "--lib", SOFTHSM_LIBRARY, "--token-label", "Bench Token", "--cert-label", "ky-thu",
                                   "--key-label", "ky-thu", str(source), str(out)],
                                  env=env, capture_output=True, text=True, check=False)
            assert done.returncode == 0, done.stderr
            done = subprocess.run([pyhanko, "sign", "validate", "--trust", str(home / "trust" / "root.pem"),
                                   "--trust-replace", "--no-revocation-check", str(out)],
                                  env=env, capture_output=True, text=True, check=False)
            assert done.returncode == 0, done.stdout + done.stderr

        kiosk(), kiosk_full(), cli()  # warm-up: imports, fonts, the worker's caches
        samples: dict[str, list[float]] = {"kiosk": [], "kiosk_full": [], "cli": []}
        for _round in range(ROUNDS):
            for _ in range(KIOSK_PER_ROUND):
                samples["kiosk"].append(timed_ms(kiosk))
                samples["kiosk_full"].append(timed_ms(kiosk_full))
            samples["cli"].append(timed_ms(cli))

    med = {name: statistics.median(values) for name, values in samples.items()}
    print(f"sign + validate, one SoftHSM2 token, PAdES B-B ({len(document.pdf)} B PDF); medians")
    print(f"  kiosk (warm worker) sign + validate : {med['kiosk']:8.1f} ms  (n={len(samples['kiosk'])})")
    print(f"  kiosk whole test signing            : {med['kiosk_full']:8.1f} ms  "
          f"(+ record, archive, receipt; n={len(samples['kiosk_full'])})")
    print(f"  pyHanko CLI addsig + validate       : {med['cli']:8.1f} ms  (two processes; n={len(samples['cli'])})")
    ratio = med["kiosk"] / med["cli"]
    print(f"ratio kiosk / pyHanko CLI = {ratio:.3f} (goal <= 0.5: {'met' if ratio <= 0.5 else 'NOT met'})")
    print(f"ratio kiosk whole / pyHanko CLI = {med['kiosk_full'] / med['cli']:.3f}")


if __name__ == "__main__":
    main()
