"""Alexa request verification on `cryptography`: certificate chain URL, chain, signature, timestamp, skill ID.

Implements the checks Amazon requires of a web-service skill (see DESIGN.md): the cert URL is
https://s3.amazonaws.com/echo.api/... (port 443 if given); the chain is valid now, leads to a
trusted root and names echo-api.amazon.com; Signature-256 is an RSA PKCS#1 v1.5 SHA-256 signature
of the raw body; the request timestamp is within 150 s. Any failure raises VerificationException
(HTTP 400). Trusted roots: ACUPRESSURE_ALEXA_CA_BUNDLE (a PEM file) or certifi's / the system's.

Where chains come from: ACUPRESSURE_ALEXA_CERT_CACHE_DIR (optional) is a directory of chain PEMs,
each named `chain_cache_name(url)` (SHA-256 of the normalized URL + ".pem"; `python -m
skill.web.verifier URL` prints it), consulted before fetching the URL. A chain from that directory
gets no trust of its own: it is validated against the trusted roots like a fetched one. Validated
chains are kept in memory (a bounded LRU) until the earliest expiry in the chain.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
import os
import posixpath
import ssl
import threading
import urllib.request
from collections import OrderedDict
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from ask_sdk_webservice_support.verifier import AbstractVerifier, VerificationException
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.x509.verification import PolicyBuilder, Store, VerificationError

log = logging.getLogger(__name__)

CA_BUNDLE_ENV = "ACUPRESSURE_ALEXA_CA_BUNDLE"
CERT_CACHE_DIR_ENV = "ACUPRESSURE_ALEXA_CERT_CACHE_DIR"
CERT_URL_HEADER = "SignatureCertChainUrl"
SIGNATURE_HEADER = "Signature-256"
CERT_HOST = "s3.amazonaws.com"
CERT_PATH_PREFIX = "/echo.api/"
ECHO_DOMAIN = "echo-api.amazon.com"
TOLERANCE_S = 150
# Skill lifecycle events may be delivered up to an hour late (Amazon's rule).
SKILL_EVENT_TOLERANCE_S = 3600
SKILL_EVENTS = frozenset({
    "AlexaSkillEvent.SkillEnabled", "AlexaSkillEvent.SkillDisabled",
    "AlexaSkillEvent.SkillPermissionChanged", "AlexaSkillEvent.SkillPermissionAccepted",
    "AlexaSkillEvent.SkillAccountLinked",
})
MAX_CHAIN_BYTES = 64 * 1024
# Amazon rotates the signing cert rarely; a handful of URLs is all a skill ever sees.
MAX_CACHED_CHAINS = 16
FETCH_TIMEOUT_S = 5.0

Fetch = Callable[[str], bytes]


def _header(headers: Mapping[str, Any], name: str) -> str | None:
    """Case-insensitive header look-up for Flask headers and plain dicts alike."""
    value = headers.get(name)
    if value is None:
        lname = name.lower()
        value = next((v for k, v in headers.items() if k.lower() == lname), None)
    return value


def load_roots(path: str | Path | None = None) -> list[x509.Certificate]:
    """Trusted roots: the given PEM bundle, $ACUPRESSURE_ALEXA_CA_BUNDLE, certifi, or the system's."""
    chosen = path or os.environ.get(CA_BUNDLE_ENV)
    if not chosen:
        try:
            import certifi

            chosen = certifi.where()
        except ImportError:
            chosen = ssl.get_default_verify_paths().cafile
    if not chosen:
        raise RuntimeError(f"no trusted CA bundle found; set {CA_BUNDLE_ENV}")
    roots = x509.load_pem_x509_certificates(Path(chosen).read_bytes())
    if not roots:
        raise RuntimeError(f"no certificates in {chosen}")
    return roots


def check_cert_url(url: str | None) -> str:
    """Amazon's rules for SignatureCertChainUrl; returns the normalized URL."""
    if not url:
        raise VerificationException("missing SignatureCertChainUrl header")
    parts = urlsplit(url)
    if parts.scheme.lower() != "https":
        raise VerificationException("cert chain URL is not https")
    if (parts.hostname or "").lower() != CERT_HOST:
        raise VerificationException("cert chain URL host is not s3.amazonaws.com")
    try:
        port = parts.port
    except ValueError as exc:
        raise VerificationException("cert chain URL port is invalid") from exc
    if port not in (None, 443):
        raise VerificationException("cert chain URL port is not 443")
    path = posixpath.normpath(parts.path) if parts.path else ""
    # Percent-encoded dots or slashes must not smuggle a path out of /echo.api/ either.
    decoded = posixpath.normpath(unquote(parts.path)) if parts.path else ""
    if not path.startswith(CERT_PATH_PREFIX) or not decoded.startswith(CERT_PATH_PREFIX):
        raise VerificationException("cert chain URL path is not under /echo.api/")
    return f"https://{CERT_HOST}{path}"


def chain_cache_name(url: str) -> str:
    """File name of a URL's chain in the cert cache directory (the URL is checked and normalized)."""
    return hashlib.sha256(check_cert_url(url).encode("utf-8")).hexdigest() + ".pem"


def fetch_url(url: str) -> bytes:
    """Download a cert chain (bounded in size and time)."""
    with urllib.request.urlopen(url, timeout=FETCH_TIMEOUT_S) as resp:
        data: bytes = resp.read(MAX_CHAIN_BYTES + 1)
    if len(data) > MAX_CHAIN_BYTES:
        raise VerificationException("cert chain too large")
    return data


class _Cached:
    """A validated chain's leaf and the window in which every cert of the chain is valid."""

    __slots__ = ("leaf", "not_after", "not_before")

    def __init__(self, leaf: x509.Certificate, certs: list[x509.Certificate]):
        self.leaf = leaf
        self.not_before = max(c.not_valid_before_utc for c in certs)
        self.not_after = min(c.not_valid_after_utc for c in certs)


class SignatureVerifier(AbstractVerifier):
    """Verifies SignatureCertChainUrl and Signature-256 against the raw request body."""

    def __init__(self, roots: list[x509.Certificate] | None = None, fetch: Fetch = fetch_url,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC),
                 cache_dir: str | Path | None = None, max_cached: int = MAX_CACHED_CHAINS):
        self._store = Store(roots if roots is not None else load_roots())
        self._fetch = fetch
        self._now = now
        chosen = cache_dir if cache_dir is not None else os.environ.get(CERT_CACHE_DIR_ENV)
        self._cache_dir = Path(chosen) if chosen else None
        self._max_cached = max_cached
        self._cache: OrderedDict[str, _Cached] = OrderedDict()
        self._lock = threading.Lock()

    def _load(self, url: str) -> bytes:
        """The chain PEM: from the cache directory if it has one for this URL, else fetched."""
        if self._cache_dir is not None:
            path = self._cache_dir / chain_cache_name(url)
            try:
                data = path.read_bytes()
            except FileNotFoundError:
                pass
            else:
                if len(data) > MAX_CHAIN_BYTES:
                    raise VerificationException("cached cert chain too large")
                return data
        return self._fetch(url)

    def _chain(self, url: str) -> list[x509.Certificate]:
        try:
            certs = x509.load_pem_x509_certificates(self._load(url))
        except VerificationException:
            raise
        except Exception as exc:  # network errors, bad PEM: all mean "cannot verify"
            raise VerificationException(f"cannot load cert chain: {exc}") from exc
        if not certs:
            raise VerificationException("empty cert chain")
        return certs

    def _leaf(self, url: str) -> x509.Certificate:
        """The validated signing cert for a URL: from memory while the whole chain is valid."""
        now = self._now()
        with self._lock:
            hit = self._cache.get(url)
            if hit is not None:
                if hit.not_before <= now <= hit.not_after:
                    self._cache.move_to_end(url)
                    return hit.leaf
                del self._cache[url]  # expired (or clock moved back): load and validate again
        certs = self._chain(url)
        leaf = self._validate_chain(certs, now)
        with self._lock:
            self._cache[url] = _Cached(leaf, certs)
            self._cache.move_to_end(url)
            while len(self._cache) > self._max_cached:
                self._cache.popitem(last=False)
        return leaf

    def _validate_chain(self, certs: list[x509.Certificate], now: datetime | None = None) -> x509.Certificate:
        """Chain to a trusted root, valid now, and for echo-api.amazon.com; returns the leaf."""
        leaf, intermediates = certs[0], certs[1:]
        verifier = (PolicyBuilder().store(self._store).time(now or self._now())
                    .build_server_verifier(x509.DNSName(ECHO_DOMAIN)))
        try:
            verifier.verify(leaf, intermediates)
        except VerificationError as exc:
            raise VerificationException(f"cert chain rejected: {exc}") from exc
        return leaf

    def verify(self, headers: Mapping[str, Any], serialized_request_env: str,
               deserialized_request_env: Any) -> None:
        url = check_cert_url(_header(headers, CERT_URL_HEADER))
        signature_b64 = _header(headers, SIGNATURE_HEADER)
        if not signature_b64:
            raise VerificationException("missing Signature-256 header")
        try:
            signature = base64.b64decode(signature_b64, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise VerificationException("signature is not base64") from exc
        key = self._leaf(url).public_key()
        if not isinstance(key, RSAPublicKey):
            raise VerificationException("signing certificate key is not RSA")
        try:
            key.verify(signature, serialized_request_env.encode("utf-8"), PKCS1v15(), SHA256())
        except InvalidSignature as exc:
            raise VerificationException("request signature does not match") from exc


def _request_field(serialized: str, name: str) -> Any:
    try:
        body = json.loads(serialized)
        return body["request"][name]
    except (ValueError, KeyError, TypeError):
        return None


class TimestampVerifier(AbstractVerifier):
    """The request timestamp is within 150 s of now (an hour for skill lifecycle events)."""

    def __init__(self, tolerance_s: int = TOLERANCE_S,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC)):
        self.tolerance_s = tolerance_s
        self._now = now

    def verify(self, headers: Mapping[str, Any], serialized_request_env: str,
               deserialized_request_env: Any) -> None:
        stamp = _request_field(serialized_request_env, "timestamp")
        if not isinstance(stamp, str):
            raise VerificationException("request has no timestamp")
        try:
            when = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
        except ValueError as exc:
            raise VerificationException("request timestamp is not ISO 8601") from exc
        if when.tzinfo is None:
            raise VerificationException("request timestamp has no time zone")
        age = abs((self._now() - when).total_seconds())
        limit = SKILL_EVENT_TOLERANCE_S if _request_field(serialized_request_env, "type") in SKILL_EVENTS \
            else self.tolerance_s
        if age > limit:
            raise VerificationException("request timestamp is outside the tolerance")


class SkillIdVerifier(AbstractVerifier):
    """The request is addressed to this skill."""

    def __init__(self, skill_id: str):
        self.skill_id = skill_id

    def verify(self, headers: Mapping[str, Any], serialized_request_env: str,
               deserialized_request_env: Any) -> None:
        from skill.runtime.pipeline import application_id

        try:
            body = json.loads(serialized_request_env)
        except ValueError as exc:
            raise VerificationException("body is not JSON") from exc
        if not isinstance(body, dict) or application_id(body) != self.skill_id:
            raise VerificationException("request is for another skill")


if __name__ == "__main__":  # print the cache file name for each URL given
    import sys

    for arg in sys.argv[1:]:
        print(chain_cache_name(arg))
