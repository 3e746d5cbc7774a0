"""The bundle run by the real AWS Lambda runtime interface client (awslambdaric), as Lambda runs it.

The deploy zip is built and unpacked into a clean directory; `python -m awslambdaric
lambda_function.lambda_handler` starts there with only the bundle and the client on the path (the
client lives beside the code, as in Lambda's /var/runtime), talking to a local server that speaks
the Lambda Runtime API (tests/lambda_runtime_api.py). A device with AudioPlayer opens the skill,
starts a routine and plays it through its events; the state lands in DynamoDB (moto, server mode).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import platform
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from conftest import AUDIO_BASE, STEP_MS, rendered_manifest_data, stream_durations
from envelopes import SKILL_ID, USER_ID, AudioDevice, directives_of, speech_of
from expectations import prompt_fragments, words
from lambda_runtime_api import FUNCTION_ARN, RuntimeApi

from skill.runtime.content import Content
from skill.runtime.persistence import Profile
from skill.runtime.streams import Token
from skill.tools import bundle

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "build" / ".cache"
TABLE = "acupressure-ric-test"
ROUTINE = "seated_lower_back"
KEY = hashlib.sha256(USER_ID.encode()).hexdigest()


@pytest.fixture(scope="module")
def target() -> tuple[str, str, str]:
    """(interpreter, Python version, architecture): Lambda's, if this machine has that Python."""
    arch = "arm64" if platform.machine().lower() in {"aarch64", "arm64"} else "x86_64"
    python = bundle.find_python(bundle.PYTHON_VERSION)
    if python is not None:
        return python, bundle.PYTHON_VERSION, arch
    return sys.executable, "{}.{}".format(*sys.version_info[:2]), arch


@pytest.fixture(scope="module")
def task_root(target: tuple[str, str, str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The deploy zip unpacked into an empty directory, as Lambda unpacks it into /var/task."""
    _, version, arch = target
    tmp = tmp_path_factory.mktemp("ric")
    report = bundle.build(tmp / "lambda", python_version=version, architecture=arch,
                          cache_root=CACHE / "lambda-deps")
    task = tmp / "task"
    with zipfile.ZipFile(report.zip_path) as zf:
        zf.extractall(task)
    return task


@pytest.fixture(scope="module")
def runtime_dir(target: tuple[str, str, str]) -> Path:
    """awslambdaric (the version in this environment) installed for the target Python, as in Lambda's
    /var/runtime; kept in the build cache."""
    _, version, arch = target
    ric = importlib.metadata.version("awslambdaric")
    platform_tag = bundle.PLATFORMS[arch]
    try:
        return bundle.dependencies_dir((f"awslambdaric=={ric}",), version, platform_tag, CACHE / "lambda-ric")
    except bundle.BundleError as exc:
        if "No matching distribution" in str(exc) or "Could not find" in str(exc):
            pytest.skip(f"awslambdaric {ric} has no wheel for Python {version} on {platform_tag}: {exc}")
        raise


@pytest.fixture(scope="module")
def dynamodb() -> Iterator[str]:
    """moto in server mode with the state table the template creates (key "id", string)."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    _client(url).create_table(TableName=TABLE, BillingMode="PAY_PER_REQUEST",
                              AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                              KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}])
    yield url
    server.stop()


def _client(url: str) -> Any:
    return boto3.client("dynamodb", endpoint_url=url, region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def lambda_env(tmp: Path, task: Path, runtime: Path, api: RuntimeApi, version: str, dynamodb: str,
               audio: Path) -> dict[str, str]:
    """What Lambda sets for a python runtime, plus the template's variables; nothing from this shell."""
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(tmp), "LANG": "en_US.UTF-8", "TZ": ":UTC",
        "PYTHONPATH": str(runtime), "LAMBDA_TASK_ROOT": str(task), "LAMBDA_RUNTIME_DIR": str(runtime),
        "_HANDLER": "lambda_function.lambda_handler", "AWS_LAMBDA_RUNTIME_API": api.address,
        "AWS_EXECUTION_ENV": f"AWS_Lambda_python{version}", "AWS_LAMBDA_FUNCTION_NAME": "acupressure-coach",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512", "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/acupressure-coach",
        "AWS_LAMBDA_LOG_STREAM_NAME": "2026/12/02/[$LATEST]0123456789abcdef",
        "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing",
        "AWS_EC2_METADATA_DISABLED": "true", "AWS_ENDPOINT_URL_DYNAMODB": dynamodb,
        "ACUPRESSURE_SKILL_ID": SKILL_ID, "ACUPRESSURE_DYNAMODB_TABLE": TABLE,
        "ACUPRESSURE_AUDIO_BASE_URL": AUDIO_BASE, "ACUPRESSURE_AUDIO_DIR": str(audio),
        "ACUPRESSURE_LOG_LEVEL": "INFO",
    }


class Container:
    """One Lambda execution environment: the client process and its log."""

    def __init__(self, python: str, task: Path, env: dict[str, str], log: Path) -> None:
        self.log_path = log
        self._log = log.open("w")
        # -S: no site-packages, so the bundle (cwd, which -m puts first) and the client are all there is.
        self.proc = subprocess.Popen([python, "-S", "-m", "awslambdaric", env["_HANDLER"]], cwd=task, env=env,
                                     stdout=self._log, stderr=subprocess.STDOUT)

    def log(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        self._log.close()


@pytest.fixture
def audio(tmp_path: Path, content: Content) -> Path:
    """Rendered audio as published: the manifest the skill reads (the MP3s are on the audio host)."""
    directory = tmp_path / "audio"
    directory.mkdir()
    (directory / "manifest.json").write_text(json.dumps(rendered_manifest_data(content)))
    return directory


@pytest.fixture
def api() -> Iterator[RuntimeApi]:
    server = RuntimeApi()
    yield server
    server.close()


def durations(content: Content) -> dict[str, int]:
    return stream_durations(content)


def stored(dynamodb: str) -> Profile:
    from boto3.dynamodb.types import TypeDeserializer

    items = _client(dynamodb).scan(TableName=TABLE)["Items"]
    assert [i["id"]["S"] for i in items] == [KEY]
    return Profile.from_dict(TypeDeserializer().deserialize(items[0]["attributes"]))


def plays(reply: dict[str, Any]) -> list[dict[str, Any]]:
    return [d for d in directives_of(reply) if d["type"] == "AudioPlayer.Play"]


def test_awslambdaric_runs_the_bundle_with_state_in_dynamodb(target, task_root, runtime_dir, dynamodb, api, audio,
                                                            content, tmp_path) -> None:
    python, version, _ = target
    env = lambda_env(tmp_path, task_root, runtime_dir, api, version, dynamodb, audio)
    container = Container(python, task_root, env, tmp_path / "container.log")
    invocations = []

    def send(body: dict[str, Any]) -> dict[str, Any]:
        invocation = api.invoke(body)
        invocations.append(invocation)
        assert invocation.outcome == "response", (invocation.reply, container.log()[-3000:])
        return invocation.json()

    try:
        device = AudioDevice(send, durations(content))
        # The first request of a cold container: the short disclaimer in SSML (the full one on the card),
        # and a question.
        launch = device.launch()
        ssml = speech_of(launch)
        assert ssml.startswith("<speak>") and ssml.endswith("</speak>")
        assert words(content.safety.disclaimer_short) in words(ssml)
        assert words(content.safety.disclaimer) in words(launch["response"]["card"]["content"])
        assert launch["response"]["reprompt"]["outputSpeech"]["ssml"].startswith("<speak>")

        # An intent: the routine starts on the AudioPlayer, and the device sends PlaybackStarted.
        start = device.intent("StartRoutineIntent", {"routine": {"value": "seated lower back", "id": ROUTINE}})
        [play] = plays(start)
        first = play["audioItem"]["stream"]["token"]
        assert Token.parse(first) is not None and Token.parse(first).routine_id == ROUTINE
        assert any(f in words(speech_of(start)) for f in prompt_fragments(content, "audio_start"))
        assert device.started == [first]

        # AudioPlayer events: NearlyFinished queues step 2 behind step 1 (no speech), Finished and
        # the next PlaybackStarted move the saved place on.
        device.listen(STEP_MS)
        enqueued = [d for r in device.replies for d in plays(r) if d["playBehavior"] == "ENQUEUE"]
        assert [d["audioItem"]["stream"]["expectedPreviousToken"] for d in enqueued] == [first]
        events = [inv for inv in invocations if json.loads(inv.body)["request"]["type"].startswith("AudioPlayer.")]
        assert {json.loads(e.body)["request"]["type"] for e in events} >= {
            "AudioPlayer.PlaybackStarted", "AudioPlayer.PlaybackNearlyFinished", "AudioPlayer.PlaybackFinished"}
        assert all("outputSpeech" not in e.json()["response"] for e in events)
        assert len(device.started) == 2

        # The client hands Lambda's invocation context over: its request id tags the skill's log lines.
        log = container.log()
        assert f"\t{invocations[0].request_id}\t" in log and "request LaunchRequest" in log
        assert FUNCTION_ARN not in log and USER_ID not in log

        # An event body that is not JSON fails that invocation through the error endpoint, and the
        # container goes on serving.
        broken = api.invoke(None, raw=b"{not json", client_context={"client": {"app_title": "t"}, "custom": {},
                                                                     "env": {"locale": "en-US"}},
                            cognito_identity={"cognitoIdentityId": "us-east-1:x", "cognitoIdentityPoolId": "p"})
        invocations.append(broken)
        assert broken.outcome == "error"
        assert broken.json()["errorType"] == "Runtime.UnmarshalError"
        cause = json.loads(broken.reply_headers["lambda-runtime-function-xray-error-cause"])  # for X-Ray
        assert cause["exceptions"] and "working_directory" in cause
        device.intent("AMAZON.PauseIntent")
    finally:
        container.stop()
    assert api.unexpected == []
    for inv in invocations:  # what the client said, for the record (pytest -s)
        try:
            request = json.loads(inv.body)["request"]
            what = request["type"] + (f" {request['intent']['name']}" if "intent" in request else "")
        except ValueError:
            what = "(not JSON)"
        reply = inv.json()
        detail = reply.get("errorType") or " ".join(d["type"] + ":" + d.get("playBehavior", "")
                                                    for d in directives_of(reply)) or "no directive"
        print(f"{inv.request_id[:8]} {what:<40} -> {inv.outcome}: {detail}")

    # The state went to DynamoDB, keyed by the hashed user ID: paused at step 2 of the routine.
    profile = stored(dynamodb)
    assert profile.progress is not None and profile.progress.routine_id == ROUTINE
    assert profile.progress.index == 1 and profile.disclaimer_heard


def test_a_container_that_cannot_start_reports_an_init_error(target, task_root, runtime_dir, dynamodb, api, audio,
                                                             tmp_path) -> None:
    """Content missing from a deploy: the client posts the failure to /runtime/init/error and exits,
    before it asks for any invocation (Lambda then answers Alexa with an error, and logs why)."""
    python, version, _ = target
    env = lambda_env(tmp_path, task_root, runtime_dir, api, version, dynamodb, audio)
    empty = tmp_path / "no-content"
    empty.mkdir()
    env["ACUPRESSURE_CONTENT_DIR"] = str(empty)
    container = Container(python, task_root, env, tmp_path / "container.log")
    try:
        assert api.init_failed.wait(60), container.log()[-3000:]
        assert container.proc.wait(timeout=30) != 0
    finally:
        container.stop()
    assert api.init_error is not None
    headers, body = api.init_error
    error = json.loads(body)
    assert error["errorType"] and headers["lambda-runtime-function-error-type"] == error["errorType"]
    assert "content" in error["errorMessage"].lower()
    assert api.polls == 0


def test_runtime_dir_holds_only_the_client(runtime_dir: Path) -> None:
    """The client's own directory brings nothing the skill imports (so the bundle alone serves it)."""
    names = {p.name.split(".")[0].split("-")[0] for p in runtime_dir.iterdir()}
    assert names <= {"awslambdaric", "runtime_client", "simplejson", "snapshot_restore_py"}, names
    assert os.path.isdir(runtime_dir / "awslambdaric")
