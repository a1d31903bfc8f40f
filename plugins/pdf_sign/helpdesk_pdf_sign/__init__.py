"""Test signing (ký thử): the holder signs a document with the token just received.

Modules: ``config`` (the ``[pdf_sign]`` settings), ``certcheck`` (validity, key usage,
chain, revocation before signing), ``document`` (the "Văn bản ký thử" form),
``signing`` (PAdES on the token through pyHanko's PKCS#11 signer, on the token
worker), ``verify`` (pyHanko validation, one report per signature), ``receipt`` (the
receipt form), ``files`` (atomic writes), ``service`` (check → sign → validate →
record → archive), ``record`` (record type ``pdf_sign.test``), ``cli``, ``screens/``
and ``plugin`` (the hooks the entry point names).
"""

__version__ = "0.1.0"
