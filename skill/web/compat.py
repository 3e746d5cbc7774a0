"""Import flask-ask-sdk on systems where its oscrypto dependency cannot start.

Why: flask_ask_sdk.skill_adapter imports ask_sdk_webservice_support.verifier, which imports
`certvalidator` at module level; certvalidator imports oscrypto 1.3.0 (the newest on PyPI), whose
libcrypto version regex (\\d\\.\\d\\.\\d) fails on OpenSSL 3.0.10 and later ("3.0.19") and raises
LibraryNotFoundError at import time. No fixed oscrypto release exists on the registry.

Fix: this skill never uses the SDK's certvalidator-based RequestVerifier. Requests are verified by
`skill.web.verifier` on `cryptography`'s X.509 path validation instead, and the SDK's own
verifiers are switched off. So when (and only when) importing certvalidator fails with exactly that
oscrypto error, a placeholder `certvalidator` module is registered that lets the SDK's module import
and that fails closed if anything ever tries to use it. Nothing in site-packages is edited.
"""

from __future__ import annotations

import logging
import sys
import types

log = logging.getLogger(__name__)

PLACEHOLDER_FLAG = "__acupressure_placeholder__"


class _Unavailable(Exception):
    """certvalidator could not load; nothing here may validate a certificate."""


class _PlaceholderValidator:
    """Stands in for certvalidator.CertificateValidator: refuses to validate (fails closed)."""

    def __init__(self, *args: object, **kwargs: object):
        from ask_sdk_webservice_support.verifier import VerificationException

        raise VerificationException(
            "certvalidator is unavailable (oscrypto cannot load libcrypto); "
            "use skill.web.verifier.SignatureVerifier")


def _oscrypto_cannot_load(exc: BaseException) -> bool:
    """Whether an import failure is oscrypto's libcrypto detection error."""
    try:
        from oscrypto.errors import LibraryNotFoundError
    except ImportError:
        return False
    return isinstance(exc, LibraryNotFoundError)


def _install_placeholder() -> None:
    errors = types.ModuleType("certvalidator.errors")
    for name in ("ValidationError", "PathError", "PathBuildingError"):
        setattr(errors, name, _Unavailable)
    module = types.ModuleType("certvalidator")
    for name in ("CertificateValidator", "ValidationContext"):
        setattr(module, name, _PlaceholderValidator)
    module.__dict__["errors"] = errors
    setattr(module, PLACEHOLDER_FLAG, True)
    sys.modules["certvalidator"] = module
    sys.modules["certvalidator.errors"] = errors


def certvalidator_replaced() -> bool:
    """True if the placeholder is in use on this machine."""
    return bool(getattr(sys.modules.get("certvalidator"), PLACEHOLDER_FLAG, False))


def make_sdk_importable() -> None:
    """Let flask_ask_sdk / ask_sdk_webservice_support import, whatever the system OpenSSL version."""
    if "certvalidator" in sys.modules:
        return
    try:
        import certvalidator  # noqa: F401  (probe: does oscrypto load here?)
    except Exception as exc:  # oscrypto raises at import time; anything else is re-raised below
        if not _oscrypto_cannot_load(exc):
            raise
        log.info("oscrypto cannot load libcrypto (%s); using the cryptography-based verifier only", exc)
        _install_placeholder()
