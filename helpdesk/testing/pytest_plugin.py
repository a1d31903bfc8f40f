"""pytest plugin exporting the helpdesk test fixtures (entry point ``pytest11``).

Each area keeps its fixtures in its own module; they are re-exported here.
"""

from __future__ import annotations

from helpdesk.testing.fixtures_cups import *  # noqa: F403
from helpdesk.testing.fixtures_e2e import *  # noqa: F403
from helpdesk.testing.fixtures_env import *  # noqa: F403
from helpdesk.testing.fixtures_pcsc import *  # noqa: F403
from helpdesk.testing.fixtures_plugins import *  # noqa: F403
from helpdesk.testing.fixtures_store import *  # noqa: F403
from helpdesk.testing.fixtures_tokens import *  # noqa: F403
