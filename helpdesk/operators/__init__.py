"""Operators: accounts with roles, password and token log-in (see the submodules)."""

from helpdesk.operators.accounts import (
    OPERATORS_FILE,
    AccountError,
    LoginFailed,
    Operator,
    OperatorBook,
    has_role,
    normalize_fingerprint,
)

__all__ = [
    "OPERATORS_FILE",
    "AccountError",
    "LoginFailed",
    "Operator",
    "OperatorBook",
    "has_role",
    "normalize_fingerprint",
]
