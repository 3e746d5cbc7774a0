"""Shared fixtures: the built skill on a real SQLite file, Lambda and loopback-HTTP transports."""

from __future__ import annotations

import importlib.util
import json
import random
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from envelopes import SKILL_ID, Conversation
from pki import CERT_URL, FakeAlexaPKI, make_pki

from skill.runtime.content import Content, default_content
from skill.runtime.content.models import HOLD_CHOICES_S
from skill.runtime.manifest import Manifest, step_key
from skill.runtime.persistence import SQLiteAdapter
from skill.runtime.pipeline import App, Config, build_app

ROOT = Path(__file__).resolve().parents[1]
AUDIO_BASE = "https://audio.example.test/audio/"


@pytest.fixture(scope="session")
def content() -> Content:
    return default_content()


STEP_MS = 20_000


def rendered_manifest(content: Content, duration_ms: int = STEP_MS, skip: frozenset[str] = frozenset()) -> Manifest:
    """A manifest as `acupressure render` writes it: one file per step and hold choice (no audio needed)."""
    return Manifest.from_dict(rendered_manifest_data(content, duration_ms, skip))


def stream_durations(content: Content) -> dict[str, int]:
    """Each rendered step's stream URL and its length (ms), as a simulated Echo plays them."""
    return {AUDIO_BASE + e["path"]: e["duration_ms"] for e in rendered_manifest_data(content)["files"].values()}


def rendered_manifest_data(content: Content, duration_ms: int = STEP_MS,
                           skip: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The manifest.json contents behind rendered_manifest()."""
    files = {}
    for r in content.routines.values():
        for s in r.steps:
            for hold in (HOLD_CHOICES_S if s.hold else (None,)):
                key = step_key(r.id, s.id, hold)
                if key in skip:
                    continue
                files[key] = {"kind": "step", "path": f"steps/{r.id}/{s.id}{'-' + str(hold) if hold else ''}.mp3",
                              "text": "", "hash": "h", "duration_ms": duration_ms}
    return {"format": 1, "content_version": content.version, "engine": "test", "files": files}


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "state" / "acupressure.sqlite3"


@pytest.fixture
def audio_env(tmp_path: Path, db_path: Path, content: Content, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Environment of a deployed skill with rendered audio: manifest dir, HTTPS base URL, SQLite file."""
    audio = tmp_path / "audio"
    audio.mkdir()
    (audio / "manifest.json").write_text(json.dumps(rendered_manifest_data(content)))
    monkeypatch.setenv("ACUPRESSURE_AUDIO_DIR", str(audio))
    monkeypatch.setenv("ACUPRESSURE_AUDIO_BASE_URL", AUDIO_BASE)
    monkeypatch.setenv("ACUPRESSURE_DB", str(db_path))
    monkeypatch.setenv("ACUPRESSURE_SKILL_ID", SKILL_ID)
    monkeypatch.delenv("ACUPRESSURE_DYNAMODB_TABLE", raising=False)
    return audio


@pytest.fixture
def make_app(db_path: Path) -> Callable[..., App]:
    """Build the skill on a real SQLite file; a fixed seed makes prompt variants repeatable."""
    def make(manifest: Manifest | None = None, audio_base_url: str | None = AUDIO_BASE,
             skill_id: str | None = SKILL_ID, adapter: Any = None) -> App:
        return build_app(
            manifest=manifest if manifest is not None else Manifest.empty(),
            adapter=adapter if adapter is not None else SQLiteAdapter(db_path),
            config=Config(skill_id=skill_id, audio_base_url=audio_base_url),
            rng=random.Random(7),
        )
    return make


@pytest.fixture
def app(make_app: Callable[..., App]) -> App:
    return make_app()


def import_lambda() -> Any:
    """A fresh import of lambda/lambda_function.py: a new cold start (like a new Lambda container)."""
    spec = importlib.util.spec_from_file_location("lambda_function_under_test",
                                                  ROOT / "lambda" / "lambda_function.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def lambda_module(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A fresh import of lambda/lambda_function.py configured by environment, as on AWS."""
    monkeypatch.setenv("ACUPRESSURE_DB", str(db_path))
    monkeypatch.setenv("ACUPRESSURE_SKILL_ID", SKILL_ID)
    monkeypatch.delenv("ACUPRESSURE_DYNAMODB_TABLE", raising=False)
    monkeypatch.delenv("ACUPRESSURE_AUDIO_BASE_URL", raising=False)
    return import_lambda()


@pytest.fixture
def lambda_transport(lambda_module: Any) -> Callable[[dict], dict]:
    def send(body: dict) -> dict:
        reply = lambda_module.lambda_handler(json.loads(json.dumps(body)), None)
        return json.loads(json.dumps(reply))  # must be JSON-serializable as Lambda returns it
    return send


@pytest.fixture(scope="session")
def pki() -> FakeAlexaPKI:
    return make_pki()


@pytest.fixture(scope="session")
def cert_store(pki: FakeAlexaPKI) -> dict[str, bytes]:
    return {CERT_URL: pki.chain_pem, **pki.other_chains}


@pytest.fixture
def verifiers(pki: FakeAlexaPKI, cert_store: dict[str, bytes]) -> list:
    """The production verifiers, trusting only the test root and fetching chains from memory."""
    from skill.web.verifier import SignatureVerifier, SkillIdVerifier, TimestampVerifier

    def fetch(url: str) -> bytes:
        if url not in cert_store:
            raise OSError(f"404 {url}")
        return cert_store[url]

    return [SignatureVerifier(roots=[pki.root], fetch=fetch), TimestampVerifier(), SkillIdVerifier(SKILL_ID)]


@pytest.fixture
def serve_http() -> Iterator[Callable[[Any], str]]:
    """Run a Flask app on a real loopback port in a thread; returns its base URL."""
    from werkzeug.serving import make_server

    servers = []

    def start(flask_app: Any) -> str:
        server = make_server("127.0.0.1", 0, flask_app, threaded=True)
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}"

    yield start
    for s in servers:
        s.shutdown()
        s.server_close()


def http_post(url: str, data: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    req = urllib.request.Request(url, data=data, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


@pytest.fixture
def web_url(app: App, verifiers: list, serve_http: Callable[[Any], str], tmp_path: Path) -> str:
    from skill.web.service import create_app

    audio = tmp_path / "audio"
    audio.mkdir()
    (audio / "hello.mp3").write_bytes(b"ID3test")
    return serve_http(create_app(app, verifiers=verifiers, audio_dir=audio))


@pytest.fixture
def http_transport(web_url: str, pki: FakeAlexaPKI) -> Callable[[dict], dict]:
    """Signed POSTs to the live server, as Alexa sends them."""
    def send(body: dict) -> dict:
        data = json.dumps(body).encode()
        status, reply = http_post(web_url + "/", data, pki.headers(data))
        assert status == 200, reply
        return json.loads(reply)
    return send


@pytest.fixture(params=["lambda", "http"])
def transport(request: pytest.FixtureRequest) -> Callable[[dict], dict]:
    return request.getfixturevalue(f"{request.param}_transport")


@pytest.fixture
def conversation(transport: Callable[[dict], dict]) -> Conversation:
    return Conversation(transport)


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake AWS credentials and region, so boto3 talks only to the local moto server."""
    for k, v in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                 "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest.fixture
def moto_url() -> Iterator[str]:
    """A real moto server (AWS wire protocol) on a free loopback port."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()

