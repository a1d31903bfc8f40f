"""Run the registry under uvicorn on a socket we bind ourselves (``--port 0`` works:
the real address is printed before serving)."""

from __future__ import annotations

import socket
from pathlib import Path

from helpdesk.registry.errors import RegistryError


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise RegistryError("Cannot listen on {host}:{port}: {error}", host=host, port=port,
                            error=exc.strerror or str(exc)) from exc
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def serve(db_url: str | None, host: str, port: int, tls_cert: Path | None = None, tls_key: Path | None = None,
          announce: bool = True) -> None:
    import uvicorn

    from helpdesk.registry.app import create_app
    from helpdesk.registry.db import open_db

    if (tls_cert is None) != (tls_key is None):
        raise RegistryError("Give both --tls-cert and --tls-key, or neither")
    engine = open_db(db_url)
    sock = bind(host, port)
    real_port = sock.getsockname()[1]
    scheme = "https" if tls_cert else "http"
    config = uvicorn.Config(
        create_app(engine), log_level="warning", access_log=False, timeout_graceful_shutdown=5,
        ssl_certfile=str(tls_cert) if tls_cert else None, ssl_keyfile=str(tls_key) if tls_key else None,
    )
    if announce:
        shown = f"[{host}]" if ":" in host else host
        print(f"helpdesk registry listening on {scheme}://{shown}:{real_port}", flush=True)
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        sock.close()
        engine.dispose()
