"""What Amazon's certification of a health skill with AudioPlayer, APL and a permission looks for in
skill.json: icons, privacy policy and terms of use (served and published), the compliance answers,
testing instructions, the events endpoint the deploy step sets; each read back through Amazon's own
SMAPI model classes, and each URL fetched from a running `acupressure serve`."""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from ask_smapi_model.v1.skill.manifest.skill_manifest_envelope import SkillManifestEnvelope
from test_skill_package_smapi import SERIALIZER, dropped_keys

from skill.runtime import apl, pictures
from skill.runtime.content import Content, ContentError
from skill.runtime.content.models import PolicyKind
from skill.runtime.handlers.reminders import REMINDERS_SCOPE
from skill.runtime.pipeline import App
from skill.simulator.nlu import Kind, Matcher
from skill.tools import artwork
from skill.tools.model_builder import (
    PACKAGE_DIR,
    PLACEHOLDER_BASE_URL,
    SKILL_JSON,
    Deployment,
    DeploymentError,
    interaction_model,
    render,
    skill_manifest,
    stale_files,
)
from skill.tools.publish import local_files
from skill.web.policies import HTML_TYPE, read_policies
from skill.web.service import create_app

FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:acupressure-coach-SkillFunction-1A2B3C"
S3_AUDIO = "https://acupressure-coach-audiobucket-1a2b.s3.us-east-1.amazonaws.com/audio/"
LOCALES = ("en-US", "en-GB", "en-CA", "en-AU", "en-IN")


def committed() -> dict[str, Any]:
    return json.loads((PACKAGE_DIR / SKILL_JSON).read_text(encoding="utf-8"))["manifest"]


@pytest.fixture(scope="module")
def deployed(content: Content) -> dict[str, Any]:
    """skill.json as the deploy step builds it (`build-model --audio-base-url ... --endpoint ...`)."""
    return skill_manifest(content, deployment=Deployment(S3_AUDIO, FUNCTION_ARN))["manifest"]


def smapi_dropped(manifest: dict[str, Any]) -> list[str]:
    data = {"manifest": manifest}
    return dropped_keys(data, SERIALIZER.serialize(SERIALIZER.deserialize(json.dumps(data), SkillManifestEnvelope)))


def urls_of(manifest: dict[str, Any]) -> list[str]:
    """Every icon and policy URL in a manifest."""
    out = []
    for info in manifest["publishingInformation"]["locales"].values():
        out += [info["smallIconUri"], info["largeIconUri"]]
    for info in manifest["privacyAndCompliance"]["locales"].values():
        out += [info["privacyPolicyUrl"], info["termsOfUseUrl"]]
    return out


# ---- the fields certification asks for


def test_every_locale_has_store_text_icons_and_policies() -> None:
    manifest = committed()
    assert list(manifest["publishingInformation"]["locales"]) == list(LOCALES[:1]) + sorted(LOCALES[1:])
    assert set(manifest["privacyAndCompliance"]["locales"]) == set(LOCALES)
    for locale, info in manifest["publishingInformation"]["locales"].items():
        assert info["smallIconUri"].endswith("/art/icon-108.png"), locale
        assert info["largeIconUri"].endswith("/art/icon-512.png"), locale
        assert info["name"] == "Acupressure Coach" and info["summary"] and info["description"], locale
        assert "not a substitute" in info["description"], locale  # a health skill says so
    for locale, info in manifest["privacyAndCompliance"]["locales"].items():
        assert info["privacyPolicyUrl"].endswith("/privacy.html"), locale
        assert info["termsOfUseUrl"].endswith("/terms.html"), locale


def test_distribution_follows_the_locales() -> None:
    info = committed()["publishingInformation"]
    assert sorted(info["distributionCountries"]) == ["AU", "CA", "GB", "IN", "US"]
    assert info["isAvailableWorldwide"] is False
    assert info["category"] == "HEALTH_AND_FITNESS"


def test_compliance_answers_fit_what_the_skill_does() -> None:
    manifest = committed()
    pc = manifest["privacyAndCompliance"]
    # It keeps a per-user record and asks for the Reminders permission: personal information.
    assert {"name": REMINDERS_SCOPE} in manifest["permissions"]
    assert pc["usesPersonalInfo"] is True
    assert pc["isChildDirected"] is False
    assert pc["containsAds"] is False
    assert pc["allowsPurchases"] is False
    assert pc["isExportCompliant"] is True


def test_testing_instructions_tell_a_reviewer_how_to_reach_every_feature() -> None:
    text = committed()["publishingInformation"]["testingInstructions"]
    assert 200 < len(text) <= 4000 and "  " not in text and "\n" not in text
    for feature in ("open acupressure coach", "Alexa, pause", "I'm pregnant", "remind me", "delete my data",
                    "SKILL_DISABLED", "911", "999", "000", "112"):
        assert feature in text, feature


def test_interfaces_declare_audio_player_and_apl_for_the_documents_screens() -> None:
    interfaces = {i["type"]: i for i in committed()["apis"]["custom"]["interfaces"]}
    assert set(interfaces) == {"AUDIO_PLAYER", "ALEXA_PRESENTATION_APL"}
    viewports = interfaces["ALEXA_PRESENTATION_APL"]["supportedViewports"]
    for v in viewports:
        assert v["minWidth"] <= v["maxWidth"] and v["minHeight"] <= v["maxHeight"], v
    # The documents lay out a round hub, landscape hubs under and over 600 px high, and TV.
    assert any(v["shape"] == "ROUND" for v in viewports) and apl.WHEN_ROUND
    assert any(v["mode"] == "TV" for v in viewports) and apl.WHEN_TV
    hubs = [v for v in viewports if v["mode"] == "HUB" and v["shape"] == "RECTANGLE"]
    assert any(v["maxHeight"] < 600 for v in hubs) and any(v["minHeight"] >= 600 for v in hubs)


def test_committed_package_has_no_endpoint_and_placeholder_urls() -> None:
    # A skill is created before its Lambda exists: no endpoint yet (README, "Deploy to AWS", step 3).
    manifest = committed()
    assert "endpoint" not in manifest["apis"]["custom"]
    assert "endpoint" not in manifest["events"]
    assert manifest["events"]["subscriptions"] == [{"eventName": "SKILL_DISABLED"}]
    assert all(u.startswith(PLACEHOLDER_BASE_URL) for u in urls_of(manifest))
    assert urlsplit(PLACEHOLDER_BASE_URL).hostname.endswith("example.com")  # reserved: resolves to no one


# ---- what the deploy step adds


def test_deploy_sets_the_endpoint_for_requests_and_events(deployed: dict[str, Any]) -> None:
    assert deployed["apis"]["custom"]["endpoint"] == {"uri": FUNCTION_ARN}
    assert deployed["events"]["endpoint"] == {"uri": FUNCTION_ARN}
    assert deployed["events"]["subscriptions"] == [{"eventName": "SKILL_DISABLED"}]


def test_deploy_points_every_url_beside_the_published_audio(deployed: dict[str, Any]) -> None:
    urls = urls_of(deployed)
    assert len(urls) == 4 * len(LOCALES)
    for url in urls:
        assert url.startswith(S3_AUDIO) and urlsplit(url).scheme == "https", url
    assert {u.removeprefix(S3_AUDIO) for u in urls} == {"art/icon-108.png", "art/icon-512.png",
                                                        "privacy.html", "terms.html"}


def test_a_self_hosted_service_gets_a_trusted_https_endpoint(content: Content) -> None:
    manifest = skill_manifest(content, deployment=Deployment("https://coach.example.org/audio/",
                                                             "https://coach.example.org/"))["manifest"]
    want = {"uri": "https://coach.example.org/", "sslCertificateType": "Trusted"}
    assert manifest["apis"]["custom"]["endpoint"] == want == manifest["events"]["endpoint"]
    assert smapi_dropped(manifest) == []


@pytest.mark.parametrize(("base", "endpoint", "message"), [
    ("http://bucket.s3.amazonaws.com/audio/", None, "must be an https:// URL"),
    ("bucket/audio/", None, "must be an https:// URL"),
    (S3_AUDIO, "my-function", "must be a Lambda function ARN or an https:// URL"),
    (S3_AUDIO, "http://coach.example.org/", "must be a Lambda function ARN or an https:// URL"),
])
def test_deploy_options_alexa_would_refuse_are_errors(base: str, endpoint: str | None, message: str) -> None:
    with pytest.raises(DeploymentError, match=message):
        Deployment(base, endpoint)


def test_build_model_takes_the_deploy_options(content: Content, tmp_path: Path, monkeypatch, capsys) -> None:
    import skill.tools.model_builder as mb
    from skill.tools.cli import main

    monkeypatch.setattr(mb, "PACKAGE_DIR", tmp_path)
    deploy = ["--audio-base-url", S3_AUDIO, "--endpoint", FUNCTION_ARN]
    assert main(["build-model", *deploy]) == 0
    written = json.loads((tmp_path / SKILL_JSON).read_text())["manifest"]
    assert written["events"]["endpoint"]["uri"] == FUNCTION_ARN
    assert main(["build-model", "--check", *deploy]) == 0
    capsys.readouterr()
    assert main(["build-model", "--check"]) == 1  # the committed form differs: placeholders, no endpoint
    assert "out of date: skill-package/skill.json" in capsys.readouterr().err
    assert main(["build-model", "--audio-base-url", "http://insecure.example.com/"]) == 1
    assert "must be an https:// URL" in capsys.readouterr().err
    assert stale_files(content, PACKAGE_DIR) == []  # and the real package is untouched


# ---- Amazon's model classes read every variant without losing a key


@pytest.mark.parametrize("deployment", [Deployment(), Deployment(S3_AUDIO, FUNCTION_ARN)],
                         ids=["committed", "deployed"])
def test_smapi_reads_each_variant_without_losing_a_key(content: Content, deployment: Deployment) -> None:
    assert smapi_dropped(skill_manifest(content, deployment=deployment)["manifest"]) == []


@pytest.mark.parametrize(("path", "value", "caught"), [
    (("publishingInformation", "distributionCountries"), ["UK"], "not a valid DistributionCountries"),
    (("events", "endpoint"), {"uri": FUNCTION_ARN, "region": "NA"}, "$.manifest.events.endpoint.region"),
    (("privacyAndCompliance", "locales", "en-GB"), {"privacyPolicyURL": "https://x.example.com/p"},
     "$.manifest.privacyAndCompliance.locales.en-GB.privacyPolicyURL"),
    (("publishingInformation", "locales", "en-GB", "testingInstructions"), "per locale",
     "$.manifest.publishingInformation.locales.en-GB.testingInstructions"),
])
def test_the_smapi_check_catches_what_certification_would_ignore(deployed: dict[str, Any], path: tuple[str, ...],
                                                                 value: Any, caught: str) -> None:
    bad = json.loads(json.dumps(deployed))
    node = bad
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    try:
        found = smapi_dropped(bad)
    except Exception as exc:  # an enum value Amazon does not know is refused outright
        found = [str(exc)]
    assert any(caught in f for f in found), found


# ---- the pages and icons are there when the service serves them


@pytest.fixture
def served_audio(tmp_path: Path) -> Path:
    """An audio directory with the two icons as `acupressure artwork` draws them."""
    audio = tmp_path / "audio"
    art = audio / "art"
    art.mkdir(parents=True)
    data = pictures.pictures()
    for size in artwork.ICON_SIZES:
        (art / f"icon-{size}.png").write_bytes(artwork.png(artwork.badge_svg(size, data)))
    (art / "artwork.json").write_text(json.dumps({f"icon-{s}.png": {"width": s, "height": s}
                                                  for s in artwork.ICON_SIZES}))
    return audio


def fetch(url: str) -> tuple[int, str, bytes]:
    with urllib.request.urlopen(url, timeout=10) as resp:
        return resp.status, resp.headers["Content-Type"], resp.read()


def test_every_url_in_skill_json_is_served(content: Content, app: App, served_audio: Path,
                                           serve_http: Callable[[Any], str]) -> None:
    base = serve_http(create_app(app, verifiers=[], audio_dir=served_audio))
    public = "https://coach.example.org/audio/"  # where a self-hosted service's /audio/ is public
    manifest = skill_manifest(content, deployment=Deployment(public, "https://coach.example.org/"))["manifest"]
    for url in set(urls_of(manifest)):
        status, ctype, body = fetch(base + urlsplit(url).path)
        assert status == 200, url
        if url.endswith(".png"):
            assert ctype == "image/png" and body.startswith(b"\x89PNG"), url
            size = int(re.search(r"icon-(\d+)", url).group(1))
            assert int.from_bytes(body[16:20], "big") == size == int.from_bytes(body[20:24], "big"), url
        else:
            assert ctype == HTML_TYPE and b"<h1>" in body, url


@pytest.mark.parametrize("kind", list(PolicyKind))
def test_the_policies_read_as_pages_at_privacy_and_terms(app: App, serve_http: Callable[[Any], str],
                                                         kind: PolicyKind) -> None:
    base = serve_http(create_app(app, verifiers=[]))
    status, ctype, body = fetch(f"{base}/{kind.value}")
    page = body.decode()
    assert status == 200 and ctype == HTML_TYPE
    policy = read_policies(app.deps.content.directory).policies[kind]
    assert f"<title>{policy.title}</title>" in page and '<html lang="en">' in page
    for section in policy.sections:
        assert f"<h2>{section.heading}</h2>" in page
    other = PolicyKind.TERMS if kind is PolicyKind.PRIVACY else PolicyKind.PRIVACY
    assert f'href="/{other.value}"' in page


def test_the_privacy_policy_says_what_is_kept_how_long_and_how_to_delete_it(app: App) -> None:
    text = " ".join(p for s in read_policies(app.deps.content.directory).policies[PolicyKind.PRIVACY].sections
                    for p in s.paragraphs).lower()
    for fact in ("hash of the user id", "pregnant", "reminder", "delete my data", "disabling the skill",
                 "30 days", "nothing is sold, shared"):
        assert fact in " ".join(text.split()), fact


def test_a_broken_policies_file_is_reported_by_line(tmp_path: Path) -> None:
    (tmp_path / "policies.yaml").write_text(
        "policies:\n  privacy:\n    title: Privacy\n    updated: someday\n    sections: []\n"
        "certification:\n  uses_personal_info: maybe\n", encoding="utf-8")
    with pytest.raises(ContentError) as info:
        read_policies(tmp_path)
    found = {str(p) for p in info.value.problems}
    assert any(p.startswith("content/policies.yaml:4: policies.privacy.updated:") for p in found), found
    assert any(p.startswith("content/policies.yaml:7: certification.uses_personal_info:") for p in found), found
    assert any(p.startswith("content/policies.yaml:5: policies.privacy.sections:") for p in found), found
    good = yaml.safe_load((Path(__file__).resolve().parents[1] / "content" / "policies.yaml").read_text())
    del good["policies"]["terms"]
    (tmp_path / "policies.yaml").write_text(yaml.safe_dump(good), encoding="utf-8")
    with pytest.raises(ContentError) as info:
        read_policies(tmp_path)
    assert [p.message for p in info.value.problems] == ["Value error, missing terms"]


def test_publish_carries_the_pages_and_the_icons(served_audio: Path) -> None:
    from skill.web.policies import write_pages

    # The render lists the art it drew in the manifest (kind "image"); publish adds the pages.
    icons = {f"art/icon-{s}": {"kind": "image", "path": f"art/icon-{s}.png", "hash": "h"} for s in artwork.ICON_SIZES}
    (served_audio / "manifest.json").write_text(json.dumps({"format": 1, "files": icons}))
    write_pages(read_policies(Path(__file__).resolve().parents[1] / "content"), served_audio)
    files = {f.key: f for f in local_files(served_audio, "audio/")}
    assert files["audio/privacy.html"].content_type == HTML_TYPE
    assert files["audio/terms.html"].content_type == HTML_TYPE
    for size in artwork.ICON_SIZES:
        assert files[f"audio/art/icon-{size}.png"].content_type == "image/png"
    assert list(files)[-1] == "audio/manifest.json"  # the index still goes last


# ---- store text that works


@pytest.mark.parametrize("locale", LOCALES)
def test_example_phrases_are_understood_in_their_locale(content: Content, locale: str) -> None:
    # Certification tries each example phrase; each must reach the skill in that locale's model.
    matcher = Matcher(interaction_model(content, locale))
    info = json.loads(render(content)[SKILL_JSON])["manifest"]["publishingInformation"]["locales"][locale]
    for phrase in info["examplePhrases"]:
        heard = matcher.understand(phrase.removeprefix("Alexa, "))
        assert heard.kind in (Kind.LAUNCH, Kind.INTENT), phrase
        assert heard.intent != "AMAZON.FallbackIntent", phrase
