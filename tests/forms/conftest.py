"""Rendered sample forms, shared by the form tests (rendering takes ~0.2 s each)."""

from __future__ import annotations

import pytest

from helpdesk.config import Organisation
from helpdesk.forms.sample import MULTIPAGE_DEVICES, build_handover, sample_record


@pytest.fixture(scope="session")
def sample_pdf() -> bytes:
    """The two-page sample handover record, sealed."""
    return build_handover(Organisation(), sample_record(MULTIPAGE_DEVICES)).render()
