"""Token stock-taking: an example plugin built only on the kiosk's public door."""

__version__ = "0.1.0"
