"""The kiosk's side of syncing with the Home Affairs registry (issue 14).

- :mod:`helpdesk.sync.protocol`: the signed batch format (HTTP and offline bundles);
- :mod:`helpdesk.sync.identity`: the kiosk's Ed25519 key;
- :mod:`helpdesk.sync.client`: HTTP to the registry;
- :mod:`helpdesk.sync.pusher`: outbox → signed batches → marked sent after each ack;
- :mod:`helpdesk.sync.relay`: the background thread (backoff with jitter);
- :mod:`helpdesk.sync.state`: last success / last error, kept across restarts;
- :mod:`helpdesk.sync.commands`: ``helpdesk sync …`` and ``helpdesk kiosk id``.

Nothing here is imported by the app or CLI modules at import time.
"""
