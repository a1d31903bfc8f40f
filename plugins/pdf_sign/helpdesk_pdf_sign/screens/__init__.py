"""Textual screens of the pdf_sign plugin (imported only when a screen opens)."""
