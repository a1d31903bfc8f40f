"""Kiosk widgets: token panel, workflow menu, today's activity, localized footer."""
