"""A throwaway test CA standing in for Amazon's: root -> intermediate -> echo-api.amazon.com leaf."""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CERT_URL = "https://s3.amazonaws.com/echo.api/echo-api-cert-test.pem"


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _cert(subject: str, key, issuer: str, issuer_key, *, ca: bool, dns: str | None = None,
          days: tuple[int, int] = (-1, 30)) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC)
    b = (x509.CertificateBuilder().subject_name(_name(subject)).issuer_name(_name(issuer))
         .public_key(key.public_key()).serial_number(x509.random_serial_number())
         .not_valid_before(now + dt.timedelta(days=days[0])).not_valid_after(now + dt.timedelta(days=days[1]))
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
         .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
         .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
                        critical=False))
    if ca:
        b = b.add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False,
                                          key_encipherment=False, data_encipherment=False,
                                          key_agreement=False, key_cert_sign=True, crl_sign=True,
                                          encipher_only=False, decipher_only=False), critical=True)
    else:
        b = (b.add_extension(x509.SubjectAlternativeName([x509.DNSName(dns or "")]), critical=False)
             .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
             .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False,
                                          key_encipherment=True, data_encipherment=False,
                                          key_agreement=False, key_cert_sign=False, crl_sign=False,
                                          encipher_only=False, decipher_only=False), critical=True))
    return b.sign(issuer_key, hashes.SHA256())


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class FakeAlexaPKI:
    """Keys and PEM chains for signing test requests."""

    root: x509.Certificate
    chain_pem: bytes
    leaf_key: rsa.RSAPrivateKey
    other_chains: dict[str, bytes]

    def sign(self, body: bytes, key: rsa.RSAPrivateKey | None = None) -> str:
        sig = (key or self.leaf_key).sign(body, padding.PKCS1v15(), hashes.SHA256())
        return base64.b64encode(sig).decode()

    def headers(self, body: bytes, url: str = CERT_URL) -> dict[str, str]:
        return {"SignatureCertChainUrl": url, "Signature-256": self.sign(body),
                "Content-Type": "application/json"}

    def root_pem(self) -> bytes:
        return self.root.public_bytes(serialization.Encoding.PEM)

    def chains(self) -> dict[str, bytes]:
        """Every chain by its cert URL: the good one and the bad ones."""
        return {CERT_URL: self.chain_pem, **self.other_chains}

    def write_config(self, directory: Path) -> dict[str, str]:
        """Write the trusted root bundle and a cert cache directory holding every chain; returns
        the environment variables that make the production verifier use them."""
        from skill.web.verifier import CA_BUNDLE_ENV, CERT_CACHE_DIR_ENV, chain_cache_name

        directory.mkdir(parents=True, exist_ok=True)
        bundle = directory / "test-ca.pem"
        bundle.write_bytes(self.root_pem())
        cache = directory / "cert-cache"
        cache.mkdir(exist_ok=True)
        for url, pem in self.chains().items():
            (cache / chain_cache_name(url)).write_bytes(pem)
        return {CA_BUNDLE_ENV: str(bundle), CERT_CACHE_DIR_ENV: str(cache)}


def make_pki() -> FakeAlexaPKI:
    root_key, mid_key, leaf_key = _key(), _key(), _key()
    root = _cert("Test Root CA", root_key, "Test Root CA", root_key, ca=True, days=(-1, 365))
    mid = _cert("Test Intermediate", mid_key, "Test Root CA", root_key, ca=True, days=(-1, 365))
    leaf = _cert("echo-api.amazon.com", leaf_key, "Test Intermediate", mid_key, ca=False,
                 dns="echo-api.amazon.com")
    expired = _cert("echo-api.amazon.com", leaf_key, "Test Intermediate", mid_key, ca=False,
                    dns="echo-api.amazon.com", days=(-30, -1))
    not_yet_valid = _cert("echo-api.amazon.com", leaf_key, "Test Intermediate", mid_key, ca=False,
                          dns="echo-api.amazon.com", days=(1, 30))
    wrong_name = _cert("example.com", leaf_key, "Test Intermediate", mid_key, ca=False, dns="example.com")
    stranger_key = _key()
    stranger = _cert("Stranger CA", stranger_key, "Stranger CA", stranger_key, ca=True)
    untrusted = _cert("echo-api.amazon.com", leaf_key, "Stranger CA", stranger_key, ca=False,
                      dns="echo-api.amazon.com")

    def pem(*certs: x509.Certificate) -> bytes:
        return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)

    return FakeAlexaPKI(
        root=root,
        chain_pem=pem(leaf, mid),
        leaf_key=leaf_key,
        other_chains={
            "https://s3.amazonaws.com/echo.api/expired.pem": pem(expired, mid),
            "https://s3.amazonaws.com/echo.api/not-yet-valid.pem": pem(not_yet_valid, mid),
            "https://s3.amazonaws.com/echo.api/wrong-name.pem": pem(wrong_name, mid),
            "https://s3.amazonaws.com/echo.api/untrusted.pem": pem(untrusted, stranger),
        },
    )


def write_localhost_tls(directory: Path, ca_name: str) -> None:
    """A throwaway CA (`ca.pem`) and a certificate for "localhost" it issued (`leaf.pem`, key `leaf.key`)."""
    ca_key, key = _key(), _key()
    ca = _cert(ca_name, ca_key, ca_name, ca_key, ca=True)
    leaf = _cert("localhost", key, ca_name, ca_key, ca=False, dns="localhost")
    pem = serialization.Encoding.PEM
    (directory / "ca.pem").write_bytes(ca.public_bytes(pem))
    (directory / "leaf.pem").write_bytes(leaf.public_bytes(pem))
    (directory / "leaf.key").write_bytes(key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                                          serialization.NoEncryption()))
