"""gTTS through its real HTTP client, against a local server that speaks the batchexecute protocol."""

import base64
import json
import socket
import subprocess
import threading
import urllib.parse
from argparse import Namespace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
from render_fixtures import TINY, ToneEngine, write_content

from skill.runtime.manifest import load_manifest
from skill.tools.render import command, engines
from skill.tools.render.engines import EngineUnavailable, GTTSEngine
from skill.tools.render.ffmpeg import ffmpeg_exe

# Slow tier (render: encodes MP3s): `pytest -m "not slow"` leaves it out.
pytestmark = pytest.mark.slow

RPC = "jQ1olc"


def mp3_for(text: str) -> bytes:
    """Real MP3 bytes, like the service's: 24 kHz mono, 60 ms per character."""
    seconds = max(0.3, 0.06 * len(text))
    return subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i",
         f"sine=frequency=220:duration={seconds},volume=0.3", "-ar", "24000", "-ac", "1", "-b:a", "32k",
         "-f", "mp3", "pipe:1"], capture_output=True, check=True).stdout


class BatchExecute(BaseHTTPRequestHandler):
    """Answers /_/TranslateWebserverUi/data/batchexecute as translate.google.<tld> does."""

    seen: ClassVar[list[dict[str, str]]] = []  # every request, shared by the handler instances
    status = 200

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        freq = json.loads(urllib.parse.parse_qs(body)["f.req"][0])
        rpc_id, params = freq[0][0][0], json.loads(freq[0][0][1])
        type(self).seen.append({"path": self.path, "rpc": rpc_id, "text": params[0], "lang": params[1],
                                "content_type": self.headers["Content-Type"]})
        if self.status != 200:
            self.send_response(self.status)
            self.end_headers()
            return
        audio = base64.b64encode(mp3_for(params[0])).decode()
        inner = json.dumps([audio], separators=(",", ":"))
        chunk = json.dumps([["wrb.fr", rpc_id, inner, None, None, None, "generic"]], separators=(",", ":"))
        payload = f")]}}'\n\n{len(chunk)}\n{chunk}\n25\n[[\"e\",4,null,null,140]]\n".encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def service(monkeypatch):
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    handler = type("Handler", (BatchExecute,), {"seen": [], "status": 200})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/", handler
    server.shutdown()
    server.server_close()


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_gtts_client_speaks_the_protocol_and_returns_decoded_speech(service):
    url, handler = service
    speech = GTTSEngine(base_url=url).synthesize("Press gently on the point.")
    assert handler.seen == [{"path": "/_/TranslateWebserverUi/data/batchexecute", "rpc": RPC,
                             "text": "Press gently on the point.", "lang": "en",
                             "content_type": "application/x-www-form-urlencoded;charset=utf-8"}]
    assert speech.rate == 24000
    assert len(speech.samples) / speech.rate == pytest.approx(0.06 * len("Press gently on the point."), abs=0.1)


def test_endpoint_comes_from_the_environment(service, monkeypatch):
    url, handler = service
    monkeypatch.setenv(engines.GTTS_URL_ENV, url)
    assert GTTSEngine().endpoint == url
    GTTSEngine().synthesize("Hello.")
    assert handler.seen[0]["text"] == "Hello."


def _args(out: Path, engine: str = "gtts") -> Namespace:
    return Namespace(engine=engine, out=str(out), jobs=1)


@pytest.fixture
def content_env(tmp_path, monkeypatch):
    """The tiny content with short fixed pauses instead of holds: the CLI renders every hold choice."""
    files = dict(TINY, **{"routines.yaml": TINY["routines.yaml"].replace("hold: true", "pause_s: 2")})
    monkeypatch.setenv("ACUPRESSURE_CONTENT_DIR", str(write_content(tmp_path / "content", files)))
    return tmp_path


def test_render_with_gtts_end_to_end(service, content_env, monkeypatch, capsys):
    url, handler = service
    monkeypatch.setenv(engines.GTTS_URL_ENV, url)
    out = content_env / "audio"
    assert command.run(_args(out)) == 0
    manifest = load_manifest(out)
    assert manifest.engine == f"gtts:en:{url}"
    assert manifest.prompt("Not medical advice.") is not None
    spoken = {s["text"] for s in handler.seen}
    assert "Release slowly." in spoken and len(spoken) == len(handler.seen)  # each line fetched once
    for e in manifest.entries.values():
        assert (out / e.path).is_file()


@pytest.mark.parametrize("status", [None, 503])
def test_unreachable_service_fails_cleanly_and_changes_nothing(service, content_env, monkeypatch, capsys, status):
    url, handler = service
    out = content_env / "audio"
    (out).mkdir()
    (out / "manifest.json").write_text('{"files": {}}\n')
    if status is None:
        monkeypatch.setenv(engines.GTTS_URL_ENV, f"http://127.0.0.1:{closed_port()}/")
    else:
        monkeypatch.setenv(engines.GTTS_URL_ENV, url)
        handler.status = status
    assert command.run(_args(out)) == 1
    err = capsys.readouterr().err
    assert "gTTS could not reach its service" in err and "intact" in err and "--engine piper" in err
    assert sorted(p.name for p in out.rglob("*") if p.is_file()) == ["manifest.json"]
    assert (out / "manifest.json").read_text() == '{"files": {}}\n'


def test_documented_fallback_renders_offline_instead(content_env, monkeypatch, capsys):
    monkeypatch.setenv(engines.GTTS_URL_ENV, f"http://127.0.0.1:{closed_port()}/")
    monkeypatch.setenv(engines.GTTS_FALLBACK_ENV, "piper")
    # Stand in for Piper so the test stays fast; the fallback path is what is under test.
    monkeypatch.setitem(engines.ENGINES, "piper", ToneEngine)
    out = content_env / "audio"
    assert command.run(_args(out)) == 0
    assert "rendering offline with Piper instead" in capsys.readouterr().err
    assert load_manifest(out).engine.startswith("tone:")


def test_gtts_error_is_engine_unavailable(monkeypatch):
    monkeypatch.setattr(GTTSEngine, "ATTEMPTS", 1)
    with pytest.raises(EngineUnavailable, match="could not reach"):
        GTTSEngine(base_url=f"http://127.0.0.1:{closed_port()}/", timeout=2).synthesize("Hello.")
