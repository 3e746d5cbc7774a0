"""SHA-256 for the running skill without loading OpenSSL.

`hashlib` binds OpenSSL at import (about 2 ms of a cold start, for hashing one user id). CPython's own
SHA-2 module gives the same digests and is loaded anyway (`random` seeds from it); it is used when it is
there, `hashlib` otherwise. tests/test_digest.py checks the digests against hashlib's.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


def _sha256() -> Callable[..., Any]:
    for name in ("_sha2", "_sha256"):  # CPython 3.12+, 3.11
        try:
            return importlib.import_module(name).sha256  # type: ignore[no-any-return]
        except (ImportError, AttributeError):
            continue
    import hashlib

    return hashlib.sha256


sha256: Callable[..., Any] = _sha256()


def hexdigest(data: bytes | str, length: int | None = None) -> str:
    """The SHA-256 of `data` (str as UTF-8) in hex, cut to `length` characters if given."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return str(sha256(raw).hexdigest())[:length]


__all__ = ["hexdigest", "sha256"]
