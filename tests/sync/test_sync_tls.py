"""A registry served over TLS with its own certificate: the kiosk trusts it through
``registry_ca``, and refuses it without."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from helpdesk.registry.testing import ComponentUnavailable, RegistryServer, self_signed_certificate
from helpdesk.sync.client import RegistryClient
from helpdesk.sync.errors import RegistryUnreachable
from helpdesk.sync.pusher import Pusher
from helpdesk.testing.ci import unavailable


@pytest.fixture
def tls_registry(tmp_path: Path) -> Iterator[RegistryServer]:
    server = RegistryServer(f"sqlite:///{tmp_path / 'tls.db'}", tmp_path / "tls.log",
                            tls=self_signed_certificate(tmp_path))
    try:
        server.start()
    except ComponentUnavailable as exc:
        unavailable(f"the registry cannot start with TLS: {exc}")
    try:
        yield server
    finally:
        server.stop()


def test_sync_over_tls_with_the_registry_certificate(tls_registry: RegistryServer, make_kiosk) -> None:  # type: ignore[no-untyped-def]
    from helpdesk.registry.db import open_db

    assert tls_registry.url.startswith("https://")
    engine = open_db(tls_registry.db_url)
    kiosk = make_kiosk("kiosk-tls", engine)
    kiosk.commit(5)
    assert tls_registry.tls is not None
    with RegistryClient(tls_registry.url) as untrusting, \
            pytest.raises(RegistryUnreachable, match=r"CERTIFICATE_VERIFY_FAILED|ConnectError"):
        Pusher(kiosk.store, kiosk.identity, untrusting).push()
    assert kiosk.store.outbox.count() == 5
    with RegistryClient(tls_registry.url, ca=tls_registry.tls[0]) as client:
        assert Pusher(kiosk.store, kiosk.identity, client).push().sent == 5
    assert kiosk.store.outbox.count() == 0
    engine.dispose()
