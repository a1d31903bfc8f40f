"""``N_``: marks an English msgid for extraction without translating it yet (it is
translated when shown, in the operator's language at that moment)."""


def N_(message: str) -> str:
    return message
