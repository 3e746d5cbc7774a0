"""Where the verifier gets cert chains: the configured cache directory before the network, and
an in-memory cache that is bounded and forgets a chain when any cert in it expires."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from envelopes import envelope, launch_request
from pki import CERT_URL, FakeAlexaPKI

# skill.web first: it guards the oscrypto import trap (DESIGN.md) before the SDK's verifier loads.
from skill.web.verifier import CERT_CACHE_DIR_ENV, SignatureVerifier, VerificationException, chain_cache_name

ECHO = "https://s3.amazonaws.com/echo.api/"


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime.now(dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now


class CountingFetch:
    def __init__(self, chains: dict[str, bytes]) -> None:
        self.chains = chains
        self.calls: list[str] = []

    def __call__(self, url: str) -> bytes:
        self.calls.append(url)
        if url not in self.chains:
            raise OSError(f"404 {url}")
        return self.chains[url]


def _signed(pki: FakeAlexaPKI, url: str = CERT_URL) -> tuple[dict, str]:
    text = json.dumps(envelope(launch_request()))
    return pki.headers(text.encode(), url), text


def test_cache_name_is_the_hash_of_the_normalized_url() -> None:
    same = {chain_cache_name(u) for u in (
        ECHO + "a.pem", "https://S3.amazonaws.com:443/echo.api/a.pem", ECHO + "x/../a.pem")}
    assert len(same) == 1
    assert chain_cache_name(ECHO + "a.pem") != chain_cache_name(ECHO + "b.pem")
    with pytest.raises(VerificationException):
        chain_cache_name("https://evil.test/echo.api/a.pem")


def test_cache_dir_is_consulted_before_fetching(pki: FakeAlexaPKI, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    env = pki.write_config(tmp_path)
    monkeypatch.setenv(CERT_CACHE_DIR_ENV, env[CERT_CACHE_DIR_ENV])
    fetch = CountingFetch({})
    verifier = SignatureVerifier(roots=[pki.root], fetch=fetch)
    headers, text = _signed(pki)
    verifier.verify(headers, text, None)
    assert fetch.calls == []
    # A URL the directory lacks goes to the network.
    headers, text = _signed(pki, ECHO + "elsewhere.pem")
    with pytest.raises(VerificationException, match="cannot load"):
        verifier.verify(headers, text, None)
    assert fetch.calls == [ECHO + "elsewhere.pem"]


def test_cached_file_gets_no_trust_of_its_own(pki: FakeAlexaPKI, tmp_path: Path) -> None:
    """A chain from another CA, put in the directory under the good URL's name, is refused."""
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / chain_cache_name(CERT_URL)).write_bytes(pki.other_chains[ECHO + "untrusted.pem"])
    verifier = SignatureVerifier(roots=[pki.root], fetch=CountingFetch({}), cache_dir=cache)
    headers, text = _signed(pki)
    with pytest.raises(VerificationException, match="cert chain rejected"):
        verifier.verify(headers, text, None)


def test_memory_cache_keeps_a_valid_chain_and_drops_it_at_expiry(pki: FakeAlexaPKI) -> None:
    clock = Clock()
    fetch = CountingFetch({CERT_URL: pki.chain_pem})
    verifier = SignatureVerifier(roots=[pki.root], fetch=fetch, now=clock)
    headers, text = _signed(pki)
    for _ in range(3):
        verifier.verify(headers, text, None)
    assert len(fetch.calls) == 1
    # The test leaf is valid for 30 days; past that the cached copy must not be used.
    clock.now += dt.timedelta(days=31)
    with pytest.raises(VerificationException, match="cert chain rejected"):
        verifier.verify(headers, text, None)
    assert len(fetch.calls) == 2


def test_memory_cache_is_bounded(pki: FakeAlexaPKI) -> None:
    urls = [ECHO + f"copy{i}.pem" for i in range(3)]
    fetch = CountingFetch(dict.fromkeys(urls, pki.chain_pem))
    verifier = SignatureVerifier(roots=[pki.root], fetch=fetch, max_cached=2)
    for url in [*urls, urls[2], urls[1], urls[0]]:  # the first fell out when the third came in
        headers, text = _signed(pki, url)
        verifier.verify(headers, text, None)
    assert fetch.calls == [*urls, urls[0]]
    assert len(verifier._cache) == 2


def test_refused_chains_are_not_cached(pki: FakeAlexaPKI) -> None:
    url = ECHO + "expired.pem"
    fetch = CountingFetch({url: pki.other_chains[url]})
    verifier = SignatureVerifier(roots=[pki.root], fetch=fetch)
    headers, text = _signed(pki, url)
    for _ in range(2):
        with pytest.raises(VerificationException):
            verifier.verify(headers, text, None)
    assert len(fetch.calls) == 2 and not verifier._cache
