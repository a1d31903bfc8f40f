"""The Home Affairs dashboard: a read-only web page served by the registry.

- :mod:`.schema`: the staff accounts and sessions tables;
- :mod:`.accounts`: staff accounts (scrypt hashes), sessions that expire, CSRF tokens;
- :mod:`.figures`: what the page shows, computed from the registry's records by the same
  report sections as ``helpdesk report`` (plan vs actual per year and unit, lagging
  units, certificates expiring, kiosks' sync state);
- :mod:`.stored`: the last computed figures per year, kept in the database and shown at
  once after a restart while they are computed afresh;
- :mod:`.charts`: server-rendered SVG (no script, no CDN);
- :mod:`.pages`: the HTML (Vietnamese, English with ``?lang=en``; fits a phone);
- :mod:`.routes`: ``/dashboard`` and ``/dashboard/login`` on the registry's app;
- :mod:`.cli`: ``helpdesk registry staff add|list|disable``.
"""

from helpdesk.registry.dashboard.routes import mount

__all__ = ["mount"]
