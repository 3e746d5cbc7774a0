"""Build the AWS Lambda bundle: runtime code, content, manifest and runtime wheels, zipped.

Build-time only (never copied into the bundle). The layout puts `content/` and
`audio/manifest.json` beside `skill/` so the runtime's package-relative defaults
(skill.runtime.content.loader.DEFAULT_CONTENT_DIR, skill.runtime.manifest.DEFAULT_AUDIO_DIR)
resolve inside /var/task without any environment variable.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import os
import shutil
import stat
import subprocess
import sys
import tomllib
import zipfile
from dataclasses import dataclass
from pathlib import Path

from skill.runtime.content.loader import runtime_files
from skill.runtime.manifest import MANIFEST_NAME

REPO_ROOT = Path(__file__).resolve().parents[2]

# Keep in step with template.yaml (Runtime, Architectures); tests/test_deploy_template.py checks.
LAMBDA_RUNTIME = "python3.12"
PYTHON_VERSION = "3.12"
ARCHITECTURE = "x86_64"
PLATFORMS = {"x86_64": "manylinux2014_x86_64", "arm64": "manylinux2014_aarch64"}

DEFAULT_OUT = Path("build") / "lambda"
HANDLER_FILE = Path("lambda") / "lambda_function.py"

# Top-level modules that belong to rendering (TTS, pydub, ffmpeg) or the Flask web service.
FORBIDDEN_MODULES = frozenset({
    "flask", "flask_ask_sdk", "ask_sdk_webservice_support", "werkzeug", "jinja2",
    "pydub", "piper", "piper_phonemize", "onnxruntime", "gtts", "imageio_ffmpeg",
})
# What ships of the `skill` package: its __init__ and the runtime package, whole.
SHIPPED_PACKAGE_FILES = ("__init__.py", "runtime")

# Lambda quotas: 250 MB unzipped (code + layers); 50 MB zipped for a direct upload.
MAX_UNZIPPED_BYTES = 250 * 1024 * 1024
# Fixed timestamp so the same inputs give a byte-identical zip (and no needless redeploys).
ZIP_DATE = (1980, 1, 1, 0, 0, 0)


class BundleError(Exception):
    """The bundle cannot be built; the message says why."""


@dataclass(frozen=True)
class BundleReport:
    """What a build produced."""

    directory: Path
    zip_path: Path
    zip_bytes: int
    unzipped_bytes: int
    file_count: int
    requirements: tuple[str, ...]
    excluded: tuple[str, ...]
    notes: tuple[str, ...] = ()

    def summary(self) -> str:
        return (f"{self.zip_path}: {self.zip_bytes / 1e6:.1f} MB zipped, "
                f"{self.unzipped_bytes / 1e6:.1f} MB unzipped, {self.file_count} files")


def runtime_requirements(pyproject: Path = REPO_ROOT / "pyproject.toml") -> tuple[str, ...]:
    """The project's core dependencies plus the `aws` extra (boto3, DynamoDB adapter)."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    reqs = list(project["dependencies"]) + list(project["optional-dependencies"].get("aws", []))
    return tuple(r for r in reqs if not r.startswith(project["name"]))


def forbidden_imports(source: str) -> set[str]:
    """Top-level names of forbidden modules that a Python source imports, anywhere in it."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found |= {n.split(".")[0] for n in names} & FORBIDDEN_MODULES
    return found


def _pip_install(requirements: tuple[str, ...], target: Path, python_version: str,
                 platform: str) -> None:
    cmd = [
        sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
        "--no-compile", "--target", str(target), "--platform", platform,
        "--implementation", "cp", "--python-version", python_version,
        "--only-binary=:all:", *requirements,
    ]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    if result.returncode != 0:
        raise BundleError(f"pip install failed:\n{result.stderr.strip()}")


def dependencies_dir(requirements: tuple[str, ...], python_version: str, platform: str,
                     cache_root: Path, refresh: bool = False) -> Path:
    """Runtime wheels installed for the Lambda platform, cached by requirement set."""
    key = hashlib.sha256("\n".join([python_version, platform, *requirements]).encode())
    cached = cache_root / f"py{python_version}-{platform}-{key.hexdigest()[:16]}"
    if cached.is_dir() and not refresh:
        return cached
    staging = cached.with_name(cached.name + f".tmp{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    _pip_install(requirements, staging, python_version, platform)
    # Console scripts are useless on Lambda; compiled caches are per interpreter.
    shutil.rmtree(staging / "bin", ignore_errors=True)
    for cache in staging.rglob("__pycache__"):
        shutil.rmtree(cache, ignore_errors=True)
    shutil.rmtree(cached, ignore_errors=True)
    staging.rename(cached)  # atomic: a half-finished install is never taken from the cache
    return cached


def _copy_package(src: Path, dest: Path) -> list[str]:
    """Copy `skill/__init__.py` and the runtime package whole; returns what was left out."""
    excluded: list[str] = sorted(p.name for p in src.iterdir()
                                 if p.name not in SHIPPED_PACKAGE_FILES and p.name != "__pycache__")
    for path in sorted(src.rglob("*")):
        rel = path.relative_to(src)
        if "__pycache__" in rel.parts or path.suffix == ".pyc" or path.is_dir():
            continue
        if rel.parts[0] not in SHIPPED_PACKAGE_FILES:
            continue
        if path.suffix == ".py":
            bad = forbidden_imports(path.read_text(encoding="utf-8"))
            if bad:  # a runtime module must not pull render/web code; leave it out, loudly
                excluded.append(f"{rel} (imports {', '.join(sorted(bad))})")
                continue
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, dest / rel)
    return [f"skill/{e}" for e in excluded]


def check_clean(directory: Path) -> None:
    """Fail if anything render- or web-only made it into the bundle."""
    bad = sorted(
        p.name for p in directory.iterdir()
        if p.name.split(".")[0].removesuffix("-stubs") in FORBIDDEN_MODULES
        or (p.name.endswith(".dist-info")
            and p.name.split("-")[0].lower().replace("_", "-")
            in {m.replace("_", "-") for m in FORBIDDEN_MODULES})
    )
    for part in ("tools", "web", "simulator"):
        if (directory / "skill" / part).exists():
            bad.append(f"skill/{part}")
    if bad:
        raise BundleError(f"render/web-only code in the bundle: {', '.join(bad)}")


def find_python(version: str) -> str | None:
    """A local CPython of exactly `version` (e.g. 3.12), to precompile and to test with."""
    candidates = [shutil.which(f"python{version}"), f"/usr/bin/python{version}",
                  f"/usr/local/bin/python{version}",
                  *sorted(str(p) for p in Path.home().glob(f".pyenv/versions/{version}*/bin/python{version}"))]
    for exe in filter(None, candidates):
        try:  # a pyenv shim for an inactive version exists but fails: ask each one
            out = subprocess.run([exe, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                                 capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if out.returncode == 0 and out.stdout.strip() == version:
            return exe
    return None


def precompile(directory: Path, python: str) -> None:
    """Write .pyc files for the target interpreter: /var/task is read-only, so without
    them every cold start compiles every module again. Hash-based, so the fixed zip
    timestamps do not invalidate them, and the output is reproducible."""
    result = subprocess.run(
        [python, "-W", "ignore", "-m", "compileall", "-q", "-j", "0",
         "--invalidation-mode", "unchecked-hash", str(directory)],
        capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        raise BundleError(f"compileall failed:\n{result.stdout}{result.stderr}".strip())


def write_zip(directory: Path, zip_path: Path) -> tuple[int, int]:
    """Zip `directory` reproducibly; returns (file count, unzipped bytes)."""
    files = sorted(p for p in directory.rglob("*") if p.is_file())
    zip_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = zip_path.with_suffix(".zip.tmp")
    total = 0
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for path in files:
            info = zipfile.ZipInfo(path.relative_to(directory).as_posix(), ZIP_DATE)
            mode = 0o755 if path.stat().st_mode & stat.S_IXUSR else 0o644
            info.external_attr = (stat.S_IFREG | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            data = path.read_bytes()
            total += len(data)
            zf.writestr(info, data)
    tmp.replace(zip_path)
    return len(files), total


def build(out: Path | None = None, *, root: Path = REPO_ROOT,
          python_version: str = PYTHON_VERSION, architecture: str = ARCHITECTURE,
          cache_root: Path | None = None, refresh: bool = False) -> BundleReport:
    """Build `out` (a directory) and `out`.zip from the repository at `root`."""
    out = (root / DEFAULT_OUT) if out is None else out
    handler = root / HANDLER_FILE
    if not handler.is_file():
        raise BundleError(f"{handler} not found: the bundle needs the Lambda handler")
    if architecture not in PLATFORMS:
        raise BundleError(f"unknown architecture {architecture!r}; one of {sorted(PLATFORMS)}")
    requirements = runtime_requirements(root / "pyproject.toml")
    deps = dependencies_dir(requirements, python_version, PLATFORMS[architecture],
                            cache_root or root / "build" / ".cache" / "lambda-deps", refresh)

    shutil.rmtree(out, ignore_errors=True)
    shutil.copytree(deps, out)
    shutil.copy2(handler, out / "lambda_function.py")
    excluded = _copy_package(root / "skill", out / "skill")
    (out / "content").mkdir()
    for yaml_file in sorted((root / "content").glob("*.yaml")):
        shutil.copy2(yaml_file, out / "content" / yaml_file.name)
    # The per-locale files the runtime loads (responses/, slots/); sentences and store are build-time only.
    for name in runtime_files(root / "content"):
        (out / "content" / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / "content" / name, out / "content" / name)
    manifest = root / "audio" / MANIFEST_NAME
    if manifest.is_file():  # the MP3s themselves are served from S3, not from the bundle
        (out / "audio").mkdir()
        shutil.copy2(manifest, out / "audio" / MANIFEST_NAME)
    check_clean(out)
    python = find_python(python_version)
    if python:
        precompile(out, python)
    notes = () if python else (f"no local python{python_version}: sources only, "
                               "so cold starts compile them (slower)",)

    zip_path = out.with_name(out.name + ".zip")
    count, unzipped = write_zip(out, zip_path)
    if unzipped > MAX_UNZIPPED_BYTES:
        raise BundleError(f"bundle is {unzipped / 1e6:.0f} MB unzipped; Lambda allows 250 MB")
    return BundleReport(out, zip_path, zip_path.stat().st_size, unzipped, count,
                        requirements, tuple(excluded), notes)


def main(argv: list[str] | None = None) -> int:
    """Command line of scripts/build_lambda.py."""
    parser = argparse.ArgumentParser(description="Build the AWS Lambda bundle (build/lambda.zip).")
    parser.add_argument("--out", type=Path, default=None,
                        help="bundle directory (default: build/lambda; the zip goes beside it)")
    parser.add_argument("--python-version", default=PYTHON_VERSION,
                        help=f"Lambda Python version (default: {PYTHON_VERSION}, as template.yaml)")
    parser.add_argument("--architecture", choices=sorted(PLATFORMS), default=ARCHITECTURE)
    parser.add_argument("--refresh", action="store_true",
                        help="re-resolve the runtime wheels instead of using the build cache")
    args = parser.parse_args(argv)
    try:
        report = build(args.out, python_version=args.python_version,
                       architecture=args.architecture, refresh=args.refresh)
    except BundleError as exc:
        print(f"build failed: {exc}", file=sys.stderr)
        return 1
    print(f"runtime requirements: {', '.join(report.requirements)}")
    for item in report.excluded:
        print(f"left out: {item}")
    for note in report.notes:
        print(f"note: {note}")
    print(report.summary())
    return 0
