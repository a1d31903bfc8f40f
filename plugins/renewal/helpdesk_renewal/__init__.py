"""Certificate lifecycle for the help desk: requests for new / renewed / re-issued /
revoked certificates, per-unit lists for the certificate authority, on-token keys and
CSRs, certificate install, the expiry sweep and the authority's delivery lists."""

__version__ = "0.1.0"
