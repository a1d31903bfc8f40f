"""Tokens: what is in the reader (PC/SC) and what is on the token (PKCS#11)."""
