"""The Lambda bundle: built with real pip and a real zip, free of render/web code, and
answering a LaunchRequest from the extracted zip alone (plus the stdlib), with its state
in DynamoDB served by moto in server mode.
"""

from __future__ import annotations

import hashlib
import json
import platform
import shutil
import socket
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import boto3
import pytest
from envelopes import SKILL_ID, USER_ID, envelope, launch_request
from moto.server import ThreadedMotoServer

from skill.tools import bundle

# Slow tier (bundle: real pip install and zip): `pytest -m "not slow"` leaves it out.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
HANDLER = ROOT / "lambda" / "lambda_function.py"
# Resolved wheels are kept between runs (build/ is gitignored); CI starts without them.
CACHE = ROOT / "build" / ".cache" / "lambda-deps"
FORBIDDEN_PREFIXES = ("flask/", "flask_ask_sdk/", "ask_sdk_webservice_support/", "werkzeug/",
                      "pydub/", "piper/", "gtts/", "imageio_ffmpeg/", "onnxruntime/",
                      "skill/tools/", "skill/web/", "skill/simulator/")
TABLE = "acupressure-state-test"
AWS_SDK = ("boto3/", "botocore/", "s3transfer/", "jmespath/", "boto3-", "botocore-")


def _stub_root(tmp: Path) -> Path:
    """A copy of the repository with a placeholder handler, for before lambda/ lands."""
    root = tmp / "repo"
    for part in ("skill", "content", "pyproject.toml"):
        src = ROOT / part
        (shutil.copytree if src.is_dir() else shutil.copy2)(src, root / part)
    (root / "lambda").mkdir()
    (root / "lambda" / "lambda_function.py").write_text("def lambda_handler(e, c):\n    return {}\n")
    if (ROOT / "audio" / "manifest.json").is_file():
        (root / "audio").mkdir()
        shutil.copy2(ROOT / "audio" / "manifest.json", root / "audio" / "manifest.json")
    return root


@pytest.fixture(scope="module")
def deploy_bundle(tmp_path_factory) -> bundle.BundleReport:
    """The bundle exactly as scripts/build_lambda.py builds it for template.yaml's runtime."""
    tmp = tmp_path_factory.mktemp("bundle")
    root = ROOT if HANDLER.is_file() else _stub_root(tmp)
    report = bundle.build(tmp / "lambda", root=root, cache_root=CACHE)
    print(report.summary())
    return report


def _names(report: bundle.BundleReport) -> list[str]:
    with zipfile.ZipFile(report.zip_path) as zf:
        return zf.namelist()


def test_bundle_layout(deploy_bundle):
    names = set(_names(deploy_bundle))
    assert "lambda_function.py" in names  # handler at the zip root
    assert {"skill/__init__.py", "skill/runtime/pipeline.py", "skill/runtime/content/loader.py",
            "skill/runtime/manifest.py"} <= names if HANDLER.is_file() else True
    # content/ and audio/ beside skill/, where the package-relative defaults look.
    assert {f"content/{p.name}" for p in (ROOT / "content").glob("*.yaml")} <= names
    assert ("audio/manifest.json" in names) == (ROOT / "audio" / "manifest.json").is_file()
    assert not {n for n in names if n.startswith("audio/") and n != "audio/manifest.json"}
    # Runtime dependencies, as wheels for the Lambda platform and Python version.
    for top in ("ask_sdk_core/", "ask_sdk_model/", "pydantic/", "yaml/"):
        assert any(n.startswith(top) for n in names), top
    # DynamoDB is reached through the runtime's own client: no AWS SDK in the zip.
    assert not {n.split("/")[0] for n in names if n.startswith(AWS_SDK)}
    abi = f"cpython-{bundle.PYTHON_VERSION.replace('.', '')}-x86_64-linux-gnu.so"
    assert any(n.startswith("pydantic_core/") and n.endswith(abi) for n in names)
    assert not any(n.startswith("bin/") for n in names)
    assert deploy_bundle.file_count == len(names)
    assert deploy_bundle.unzipped_bytes < bundle.MAX_UNZIPPED_BYTES


def test_bundle_is_trimmed_to_what_the_runtime_uses(deploy_bundle):
    """Dependencies as bytecode alone (no .py beside a .pyc); the skill's own modules as source with their
    bytecode; within Issue 18's budget."""
    names = set(_names(deploy_bundle))
    assert not any(n.endswith("/RECORD") or n.endswith(".pyi") for n in names)
    own = ("skill/", "lambda_function.")
    if bundle.find_python(bundle.PYTHON_VERSION):
        deps_py = sorted(n for n in names if n.endswith(".py") and not n.startswith(own))
        assert deps_py == []
        assert "ask_sdk_core/skill.pyc" in names and "yaml/__init__.pyc" in names
        tag = "cpython-" + bundle.PYTHON_VERSION.replace(".", "")
        assert f"skill/runtime/__pycache__/pipeline.{tag}.pyc" in names
    assert "skill/runtime/pipeline.py" in names
    assert "_yaml/__init__.pyc" not in names and "_yaml/__init__.py" not in names  # a shim nothing imports
    assert deploy_bundle.zip_bytes <= 8 * 1000 * 1000, deploy_bundle.summary()
    # The content and the pictures, validated, in the compact form the skill loads at cold start.
    assert "content/compact.pickle" in names
    assert "content/pictures.pickle" in names


def test_import_closure_keeps_what_is_reached(tmp_path):
    files = {"lambda_function.py": "from app import run\n", "app/__init__.py": "import json\nfrom .x import y\n",
             "app/x.py": "def y():\n    import lazy_dep\n", "lazy_dep/__init__.py": "",
             "unused_dep/__init__.py": "import app\n", "data/table.yaml": "a: 1\n", "one.py": "",
             "app-1.0.dist-info/RECORD": "app/__init__.py,,\n", "unused_dep-2.dist-info/RECORD": "unused_dep/x.py,,\n"}
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    keep = bundle.import_closure(tmp_path, roots=("lambda_function",))
    assert keep == {"lambda_function", "app", "lazy_dep"}
    assert bundle.drop_packages(tmp_path, keep) == ["one", "unused_dep"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["app", "app-1.0.dist-info", "data", "lambda_function.py",
                                                           "lazy_dep"]


def test_bundle_has_no_render_or_web_code(deploy_bundle):
    names = _names(deploy_bundle)
    leaked = sorted({n.split("/")[0] + ("/" + n.split("/")[1] if n.startswith("skill/") else "")
                     for n in names if n.startswith(FORBIDDEN_PREFIXES)
                     or n.split("/")[0].split("-")[0].lower() in bundle.FORBIDDEN_MODULES})
    assert leaked == []
    # And no module left in the bundle imports any of them.
    for name in names:
        if name.endswith(".py") and name.startswith(("skill/", "lambda_function")):
            source = (deploy_bundle.directory / name).read_text(encoding="utf-8")
            assert not bundle.forbidden_imports(source), name


def test_zip_is_reproducible(tmp_path):
    src = tmp_path / "src"
    (src / "pkg").mkdir(parents=True)
    (src / "pkg" / "a.py").write_text("A = 1\n")
    (src / "b.txt").write_text("b\n")
    bundle.write_zip(src, tmp_path / "one.zip")
    (src / "pkg" / "a.py").touch()  # a newer mtime must not change the archive
    bundle.write_zip(src, tmp_path / "two.zip")
    assert (tmp_path / "one.zip").read_bytes() == (tmp_path / "two.zip").read_bytes()


def test_only_the_runtime_package_ships(tmp_path):
    pkg = tmp_path / "skill"
    for rel, text in {"__init__.py": "", "runtime/__init__.py": "", "runtime/engine.py": "import json\n",
                      "tools/render.py": "import pydub\n", "web/service.py": "import flask\n",
                      "runtime/helpers.py": "def f():\n    from gtts import gTTS\n"}.items():
        (pkg / rel).parent.mkdir(parents=True, exist_ok=True)
        (pkg / rel).write_text(text)
    out = tmp_path / "out"
    excluded = bundle._copy_package(pkg, out)
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.py")) == [
        "__init__.py", "runtime/__init__.py", "runtime/engine.py"]
    assert "skill/runtime/helpers.py (imports gtts)" in excluded
    assert {"skill/tools", "skill/web"} <= set(excluded)
    (tmp_path / "bad" / "flask").mkdir(parents=True)
    with pytest.raises(bundle.BundleError, match="flask"):
        bundle.check_clean(tmp_path / "bad")


# -- the bundle, run as Lambda runs it ------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def dynamodb_url():
    """moto in server mode with the state table the template creates (key "id", string)."""
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    url = f"http://127.0.0.1:{port}"
    boto3.client("dynamodb", endpoint_url=url, region_name="us-east-1",
                 aws_access_key_id="testing", aws_secret_access_key="testing").create_table(
        TableName=TABLE, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}])
    yield url
    server.stop()


RUNNER = textwrap.dedent("""
    import json, sys, sysconfig
    bundle = sys.argv[1]
    sys.path.insert(0, bundle)
    import lambda_function
    response = lambda_function.lambda_handler(json.load(open(sys.argv[2])), None)
    stdlib = (sysconfig.get_paths()["stdlib"], sysconfig.get_paths()["platstdlib"])
    outside = sorted(name for name, m in list(sys.modules.items())
                     if getattr(m, "__file__", None) and name not in ("__main__", "__mp_main__")
                     and not m.__file__.startswith((bundle, *stdlib)))
    print(json.dumps({"response": response, "outside": outside,
                      "modules": sorted(sys.modules)}))
""")


@pytest.fixture(scope="module")
def runnable(deploy_bundle, tmp_path_factory) -> tuple[str, Path]:
    """(interpreter, extracted bundle): the deploy zip under its own Python version if this
    machine has it, else the same build for this interpreter's version."""
    if not HANDLER.is_file():
        pytest.skip("lambda/lambda_function.py does not exist yet: nothing to import")
    from skill.runtime.content.loader import ContentError, load
    try:
        load(ROOT / "content")
    except ContentError as exc:  # the content files have not landed; tests of content/ report it
        pytest.skip(f"the repository's content/ does not load yet, so no bundle can start: {exc}")
    tmp = tmp_path_factory.mktemp("run")
    python = bundle.find_python(bundle.PYTHON_VERSION)
    report = deploy_bundle
    if python is None:
        python = sys.executable
        arch = "arm64" if platform.machine() in {"aarch64", "arm64"} else "x86_64"
        report = bundle.build(tmp / "lambda-local", python_version="{}.{}".format(*sys.version_info[:2]),
                              architecture=arch, cache_root=CACHE)
    extracted = tmp / "task"
    with zipfile.ZipFile(report.zip_path) as zf:
        zf.extractall(extracted)
    return python, extracted


def test_bundle_answers_launch_request(runnable, dynamodb_url, tmp_path):
    python, task = runnable
    (tmp_path / "runner.py").write_text(RUNNER)
    (tmp_path / "launch.json").write_text(json.dumps(
        envelope(launch_request(), new=True, audio_player=True)))
    env = {  # what Lambda sets, plus the template's variables; nothing from this shell
        "PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "LANG": "C.UTF-8",
        "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_EC2_METADATA_DISABLED": "true", "AWS_ENDPOINT_URL_DYNAMODB": dynamodb_url,
        "AWS_LAMBDA_FUNCTION_NAME": "acupressure-bundle-test",
        "ACUPRESSURE_SKILL_ID": SKILL_ID, "ACUPRESSURE_DYNAMODB_TABLE": TABLE,
        "ACUPRESSURE_AUDIO_BASE_URL": "https://audio.example.com/audio/",
        "ACUPRESSURE_LOG_LEVEL": "WARNING",
    }
    result = subprocess.run(
        [python, "-I", "-S", "-W", "ignore", str(tmp_path / "runner.py"), str(task),
         str(tmp_path / "launch.json")],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    run = json.loads(result.stdout.strip().splitlines()[-1])

    assert run["outside"] == []  # everything came from the bundle or the stdlib
    loaded = {m.split(".")[0] for m in run["modules"]}
    assert not loaded & bundle.FORBIDDEN_MODULES
    assert "skill.tools.render" not in run["modules"] and "skill.web" not in run["modules"]

    response = run["response"]
    assert response["version"] == "1.0"
    speech = response["response"]["outputSpeech"]
    assert speech["type"] == "SSML"
    assert speech["ssml"].startswith("<speak>") and speech["ssml"].endswith("</speak>")
    # A first launch says the skill is no substitute for professional care (in full on the card).
    from skill.runtime.content.loader import load
    safety = load(ROOT / "content").safety
    assert escape(" ".join(safety.disclaimer_short.split())) in " ".join(speech["ssml"].split())
    assert " ".join(safety.disclaimer.split()) in " ".join(response["response"]["card"]["content"].split())
    assert response["response"]["reprompt"]["outputSpeech"]["ssml"].startswith("<speak>")

    # The state went to DynamoDB, keyed as the template's table expects.
    items = boto3.client("dynamodb", endpoint_url=dynamodb_url, region_name="us-east-1",
                         aws_access_key_id="testing",
                         aws_secret_access_key="testing").scan(TableName=TABLE)["Items"]
    assert [i["id"]["S"] for i in items] == [hashlib.sha256(USER_ID.encode()).hexdigest()]
