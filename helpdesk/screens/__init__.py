"""Kiosk screens: log-in, home, lock. Workflow screens come from plugins."""
