"""The skill's SHA-256 (CPython's built-in SHA-2, without OpenSSL) gives hashlib's digests: user keys
stored before the change still find their profiles, and content and audio hashes are unchanged."""

from __future__ import annotations

import hashlib
import subprocess
import sys

import pytest

from skill.runtime import digest

SAMPLES = [b"", b"amzn1.ask.account.AEXAMPLE", "Bladder 23 \u2014 \u00e9".encode(), bytes(range(256)) * 70]


@pytest.mark.parametrize("data", SAMPLES)
def test_digests_equal_hashlibs(data: bytes) -> None:
    assert digest.hexdigest(data) == hashlib.sha256(data).hexdigest()
    assert digest.hexdigest(data, 12) == hashlib.sha256(data).hexdigest()[:12]
    h = digest.sha256()
    h.update(data[:7])
    h.update(data[7:])
    assert h.hexdigest() == hashlib.sha256(data).hexdigest()


def test_text_is_hashed_as_utf8() -> None:
    assert digest.hexdigest("Kunlun \u6606\u4ed1") == hashlib.sha256("Kunlun \u6606\u4ed1".encode()).hexdigest()


def test_the_running_skill_does_not_load_openssl_for_hashing() -> None:
    """A launch's imports leave `_hashlib` (OpenSSL) unloaded: the built-in SHA-2 serves the user key."""
    code = ("import sys; import skill.runtime.persistence, skill.runtime.content.compact, skill.runtime.manifest; "
            "print('_hashlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
