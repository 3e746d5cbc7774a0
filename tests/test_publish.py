"""`acupressure publish-audio` against a real S3 API: moto in server mode on loopback."""

from __future__ import annotations

import hashlib
import json
import socket
from pathlib import Path

import boto3
import pytest
from moto.server import ThreadedMotoServer

from skill.tools.cli import main
from skill.tools.publish import IMMUTABLE, SHORT, cache_control, content_type

# Slow tier (publish: uploads to a moto S3 server): `pytest -m "not slow"` leaves it out.
pytestmark = pytest.mark.slow

BUCKET = "acupressure-audio-test"
PROMPT_HASH = "3f2a9c1be0d4"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def moto_url():
    """One moto S3 server for the module, on a free loopback port."""
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


def _no_real_aws(monkeypatch, tmp_path: Path) -> None:
    """Never read the developer's AWS config, never ask the instance metadata service."""
    for var in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL",
                "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")


@pytest.fixture
def s3(moto_url, monkeypatch, tmp_path):
    """Fake credentials pointed at the moto server, and a fresh bucket."""
    _no_real_aws(monkeypatch, tmp_path)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", moto_url)
    client = boto3.client("s3", endpoint_url=moto_url)
    client.create_bucket(Bucket=BUCKET)
    yield client
    for obj in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=obj["Key"])
    client.delete_bucket(Bucket=BUCKET)


def _entry(path: str, kind: str, content_hash: str) -> dict:
    return {"path": path, "kind": kind, "text": "", "hash": content_hash, "duration_ms": 1000}


@pytest.fixture
def audio(tmp_path) -> Path:
    """A small rendered-audio directory: prompt, step, routine, playlist, feed, manifest."""
    root = tmp_path / "audio"
    files = {
        f"prompt/{PROMPT_HASH}.mp3": ("prompt", PROMPT_HASH + "77aa", b"ID3 prompt bytes"),
        "step/daily/bl23/60.mp3": ("step", "a1b2c3d4e5f6a7b8", b"ID3 step bytes" * 50),
        "routine/daily.mp3": ("routine", "0011223344556677", b"ID3 routine" * 200),
        "routines.m3u": ("playlist", "8899aabbccddeeff", b"#EXTM3U\nroutine/daily.mp3\n"),
        "feed.xml": ("feed", "fedcba9876543210", b"<rss version='2.0'></rss>"),
    }
    manifest = {"format": 1, "content_version": "v1", "engine": "test", "files": {}}
    for rel, (kind, content_hash, data) in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
        manifest["files"][rel.rsplit(".", 1)[0]] = _entry(rel, kind, content_hash)
    (root / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return root


def _publish(audio: Path, *extra: str) -> int:
    return main(["publish-audio", "--bucket", BUCKET, "--prefix", "audio/", "--dir", str(audio),
                 *extra])


def _keys(s3) -> set[str]:
    return {o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])}


EXPECTED_HEADERS = {
    f"audio/prompt/{PROMPT_HASH}.mp3": ("audio/mpeg", IMMUTABLE),
    "audio/step/daily/bl23/60.mp3": ("audio/mpeg", SHORT),
    "audio/routine/daily.mp3": ("audio/mpeg", SHORT),
    "audio/routines.m3u": ("audio/x-mpegurl", SHORT),
    "audio/feed.xml": ("application/rss+xml", SHORT),
    "audio/manifest.json": ("application/json", SHORT),
}


def test_first_publish_uploads_everything_with_headers(s3, audio, capsys):
    assert _publish(audio) == 0
    assert "uploaded 6 file(s)" in capsys.readouterr().out
    assert _keys(s3) == set(EXPECTED_HEADERS)
    for key, (ctype, cache) in EXPECTED_HEADERS.items():
        head = s3.head_object(Bucket=BUCKET, Key=key)
        local = audio / key.removeprefix("audio/")
        assert head["ContentType"] == ctype, key
        assert head["CacheControl"] == cache, key
        assert head["Metadata"]["sha256"] == hashlib.sha256(local.read_bytes()).hexdigest()
        assert s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() == local.read_bytes()


def _plant_sentinels(s3) -> None:
    """Replace each object's bytes but keep its recorded hash: a re-upload would undo it."""
    for key in _keys(s3):
        head = s3.head_object(Bucket=BUCKET, Key=key)
        s3.put_object(Bucket=BUCKET, Key=key, Body=b"sentinel".ljust(head["ContentLength"], b"."),
                      ContentType=head["ContentType"], CacheControl=head["CacheControl"],
                      Metadata=head["Metadata"])


def _untouched(s3) -> set[str]:
    return {k for k in _keys(s3)
            if s3.get_object(Bucket=BUCKET, Key=k)["Body"].read().startswith(b"sentinel")}


def test_second_publish_uploads_nothing_and_a_change_uploads_one(s3, audio, capsys):
    assert _publish(audio) == 0
    _plant_sentinels(s3)
    capsys.readouterr()

    assert _publish(audio) == 0
    assert "uploaded 0 file(s) (0 bytes), skipped 6 unchanged" in capsys.readouterr().out
    assert _untouched(s3) == set(EXPECTED_HEADERS)

    # Same size, different bytes: the hash, not the size, decides.
    step = audio / "step/daily/bl23/60.mp3"
    step.write_bytes(step.read_bytes()[::-1])
    assert _publish(audio) == 0
    out = capsys.readouterr().out
    assert "uploaded 1 file(s)" in out and "skipped 5 unchanged" in out
    assert _untouched(s3) == set(EXPECTED_HEADERS) - {"audio/step/daily/bl23/60.mp3"}
    body = s3.get_object(Bucket=BUCKET, Key="audio/step/daily/bl23/60.mp3")["Body"].read()
    assert body == step.read_bytes()


def test_dry_run_lists_without_uploading(s3, audio, capsys):
    assert _publish(audio, "--dry-run") == 0
    out = capsys.readouterr().out
    assert f"would upload audio/prompt/{PROMPT_HASH}.mp3" in out
    assert "would upload 6 file(s)" in out
    assert _keys(s3) == set()


def test_changed_headers_are_republished(s3, audio, capsys):
    assert _publish(audio) == 0
    key = "audio/routine/daily.mp3"
    head = s3.head_object(Bucket=BUCKET, Key=key)
    s3.copy_object(Bucket=BUCKET, Key=key, CopySource={"Bucket": BUCKET, "Key": key},
                   MetadataDirective="REPLACE", ContentType="binary/octet-stream",
                   Metadata=head["Metadata"])
    capsys.readouterr()
    assert _publish(audio) == 0
    assert "uploaded 1 file(s)" in capsys.readouterr().out
    assert s3.head_object(Bucket=BUCKET, Key=key)["ContentType"] == "audio/mpeg"


def test_delete_removes_only_stale_keys_under_the_prefix(s3, audio):
    from skill.tools.publish import publish

    s3.put_object(Bucket=BUCKET, Key="audio/prompt/old.mp3", Body=b"old")
    s3.put_object(Bucket=BUCKET, Key="elsewhere/keep.txt", Body=b"keep")
    summary = publish(s3, audio, BUCKET, "audio", delete=True, log=lambda _: None)
    assert summary.deleted == ["audio/prompt/old.mp3"]
    assert _keys(s3) == set(EXPECTED_HEADERS) | {"elsewhere/keep.txt"}


def test_missing_bucket_is_a_clear_error(s3, audio, capsys):
    assert main(["publish-audio", "--bucket", "no-such-bucket-here", "--dir", str(audio)]) == 1
    err = capsys.readouterr().err
    assert "bucket 'no-such-bucket-here' does not exist" in err
    assert "Traceback" not in err


def test_missing_credentials_is_a_clear_error(moto_url, audio, monkeypatch, tmp_path, capsys):
    _no_real_aws(monkeypatch, tmp_path)
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", moto_url)
    assert _publish(audio) == 1
    err = capsys.readouterr().err
    assert "no AWS credentials found" in err and "Traceback" not in err


def test_missing_manifest_is_a_clear_error(s3, tmp_path, capsys):
    assert _publish(tmp_path) == 1
    assert "run `acupressure render` first" in capsys.readouterr().err
    assert _keys(s3) == set()


def test_manifest_listing_a_missing_file_uploads_nothing(s3, audio, capsys):
    (audio / "feed.xml").unlink()
    assert _publish(audio) == 1
    assert "missing from" in capsys.readouterr().err
    assert _keys(s3) == set()


@pytest.mark.parametrize(("path", "content_hash", "ctype", "cache"), [
    ("prompt/3f2a9c1be0d4.mp3", "3f2a9c1be0d4e5f6", "audio/mpeg", IMMUTABLE),
    ("prompt/3F2A9C1BE0D4.MP3", "sha256:3f2a9c1be0d4e5f6", "audio/mpeg", IMMUTABLE),
    ("prompt/deadbeef00.mp3", "3f2a9c1be0d4e5f6", "audio/mpeg", SHORT),  # stale name
    ("step/daily/bl23/60.mp3", "3f2a9c1be0d4e5f6", "audio/mpeg", SHORT),
    ("routines.m3u", None, "audio/x-mpegurl", SHORT),
    ("feed.xml", None, "application/rss+xml", SHORT),
    ("manifest.json", None, "application/json", SHORT),
    ("notes.bin", None, "application/octet-stream", SHORT),
])
def test_headers_by_file(path, content_hash, ctype, cache):
    assert content_type(path) == ctype
    assert cache_control(path, content_hash) == cache
