"""Test rig: real SoftHSM2 tokens, a test CA, pcscd + a virtual card, CUPS, a registry.

Reusable by plugin tests: the fixtures are exported through the ``pytest11`` entry
point (``helpdesk.testing.pytest_plugin``), so any test in this repository — core or
plugin — gets them without a conftest import.
"""
