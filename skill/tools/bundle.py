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
import json
import os
import platform
import shutil
import stat
import subprocess
import sys
import tomllib
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

from skill.runtime.content import ContentError, compact, load
from skill.runtime.content.loader import runtime_files
from skill.runtime.handlers import SCOPES_FILE, scope_table, sources_fingerprint
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
# Where the bundle's import graph starts: the handler module and the skill package.
ENTRY_POINTS = ("lambda_function", "skill")


# Installer bookkeeping: RECORD would list files the trimming removed; the rest is never read.
DIST_INFO_DROPPED = frozenset({"RECORD", "INSTALLER", "REQUESTED", "direct_url.json"})

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
    unused: tuple[str, ...] = ()  # installed top-level packages the runtime never imports, left out

    def summary(self) -> str:
        return (f"{self.zip_path}: {self.zip_bytes / 1e6:.1f} MB zipped, "
                f"{self.unzipped_bytes / 1e6:.1f} MB unzipped, {self.file_count} files")


def runtime_requirements(pyproject: Path = REPO_ROOT / "pyproject.toml") -> tuple[str, ...]:
    """The project's core dependencies: all the runtime imports. Not the `aws` extra: the runtime reaches
    DynamoDB through its own standard-library client (skill.runtime.dynamo), and boto3 is for tools."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    return tuple(r for r in project["dependencies"] if not r.startswith(project["name"]))


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


def top_level_name(path: Path) -> str | None:
    """The import name a top-level entry of the bundle provides (None for metadata and data)."""
    if path.name == "__pycache__" or path.name.endswith((".dist-info", ".data")):
        return None
    if path.is_dir():  # a package, or data (content/, audio/) if it holds no module
        return path.name if any(p.suffix in (".py", ".pyc", ".so") for p in path.rglob("*")) else None
    if path.suffix in (".py", ".pyc"):
        return path.stem
    if path.suffix == ".so":
        return path.name.split(".")[0]
    return None


def imported_names(source: str, package: str) -> set[str]:
    """Top-level names a module imports anywhere in it (lazy imports inside functions too); relative
    imports stay in `package`."""
    try:
        with warnings.catch_warnings():  # old escape sequences in third-party docstrings
            warnings.simplefilter("ignore")
            tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return set()
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            found.add(package if node.level else (node.module or "").split(".")[0])
    return found


def import_closure(directory: Path, roots: tuple[str, ...] = ENTRY_POINTS) -> set[str]:
    """The bundle's top-level packages reachable by import statements from `roots`: the static import
    graph at package granularity. Imports by string stay inside a package (pydantic's lazy
    attributes, ask_sdk_model's deserializer), so whole packages are kept."""
    units = {name: path for path in directory.iterdir() if (name := top_level_name(path))}
    seen: set[str] = set()
    todo = [r for r in roots if r in units]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        path = units[name]
        sources = sorted(path.rglob("*.py")) if path.is_dir() else [path] if path.suffix == ".py" else []
        for source in sources:
            todo += [n for n in imported_names(source.read_text(encoding="utf-8", errors="replace"), name)
                     if n in units and n not in seen]
    return seen


def _dist_info_names(dist_info: Path) -> set[str]:
    """Top-level import names a dist-info's package installed (from its RECORD)."""
    record = dist_info / "RECORD"
    if not record.is_file():
        return set()
    names = set()
    for line in record.read_text(encoding="utf-8").splitlines():
        first = line.split(",")[0].split("/")[0]
        if first and not first.endswith((".dist-info", ".data")) and first not in ("..", "__pycache__"):
            names.add(first.split(".")[0])
    return names


def drop_packages(directory: Path, keep: set[str]) -> list[str]:
    """Remove the top-level packages not in `keep`, and the metadata of distributions left with none."""
    dropped = []
    for path in sorted(directory.iterdir()):
        name = top_level_name(path)
        if name is not None and name not in keep:
            dropped.append(name)
            shutil.rmtree(path) if path.is_dir() else path.unlink()
    for dist_info in sorted(directory.glob("*.dist-info")):
        names = _dist_info_names(dist_info)
        if names and not names & keep:
            shutil.rmtree(dist_info)
    return sorted(set(dropped))


def trim_metadata(directory: Path) -> None:
    """Drop installer bookkeeping and typing-only files (stubs, py.typed markers); licences stay."""
    for dist_info in directory.glob("*.dist-info"):
        for name in DIST_INFO_DROPPED:
            (dist_info / name).unlink(missing_ok=True)
    for path in [*directory.rglob("*.pyi"), *directory.rglob("py.typed")]:
        if path.is_file():
            path.unlink()


def strip_debug_info(directory: Path, architecture: str) -> list[str]:
    """Remove debug sections from extension modules (PyYAML's is shipped unstripped); code and symbols
    stay. Only when this machine's `strip` reads the target architecture, else a note."""
    host = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}.get(platform.machine().lower())
    tool = shutil.which("strip")
    if tool is None or host != architecture:
        return [f"extension modules not stripped (no strip for {architecture} here)"]
    for lib in sorted(directory.rglob("*.so")):
        result = subprocess.run([tool, "--strip-debug", str(lib)], capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            raise BundleError(f"strip failed on {lib.relative_to(directory)}: {result.stderr.strip()}")
    return []


def precompile(directory: Path, python: str, own: tuple[str, ...] = ENTRY_POINTS) -> None:
    """Compile for the target interpreter: /var/task is read-only, so without bytecode every cold start
    compiles every module again. Dependencies ship as bytecode only (sourceless .pyc in place of the
    .py, loaded the same way, half the bytes); the skill's own modules keep their source beside a
    __pycache__ .pyc, so tracebacks in the logs show the lines. Hash-based, so the fixed zip
    timestamps do not invalidate them, and the output is reproducible."""
    own_paths = [p for p in directory.iterdir() if top_level_name(p) in own]
    dependencies = [p for p in sorted(directory.iterdir())
                    if top_level_name(p) not in (None, *own) and (p.is_dir() or p.suffix == ".py")]
    base = [python, "-W", "ignore", "-m", "compileall", "-q", "-j", "0", "--invalidation-mode", "unchecked-hash"]
    runs = [base + [str(p) for p in own_paths]]
    if dependencies:
        # -b: legacy placement (module.pyc beside where module.py was); -s: paths in tracebacks relative.
        runs.append([*base, "-b", "-s", str(directory), *map(str, dependencies)])
    for cmd in runs:
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        if result.returncode != 0:
            raise BundleError(f"compileall failed:\n{result.stdout}{result.stderr}".strip())
    for dep in dependencies:
        for source in (dep.rglob("*.py") if dep.is_dir() else [dep]):
            if source.with_suffix(".pyc").is_file():
                source.unlink()


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
    # Bytecode is compiled below for the target; any cache an interpreter left in the wheel cache is not.
    shutil.copytree(deps, out, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(handler, out / "lambda_function.py")
    excluded = _copy_package(root / "skill", out / "skill")
    # Only what the runtime imports: installed packages nothing reaches are left out.
    unused = drop_packages(out, import_closure(out))
    trim_metadata(out)
    (out / "content").mkdir()
    for yaml_file in sorted((root / "content").glob("*.yaml")):
        shutil.copy2(yaml_file, out / "content" / yaml_file.name)
    # The per-locale files the runtime loads (responses/, slots/); sentences and store are build-time only.
    for name in runtime_files(root / "content"):
        (out / "content" / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / "content" / name, out / "content" / name)
    # Validated here, once: the bundle carries the compact form the skill loads at cold start without
    # YAML or pydantic (refused at runtime, and the YAML validated instead, if it no longer matches);
    # the pictures the first screen draws, likewise.
    try:
        compact.write(load(out / "content"))
        compact.write_pictures(out / "content")
    except ContentError as exc:
        raise BundleError(f"content is invalid:\n{exc}") from exc
    # Each handler's scope, so a cold start imports only the handler modules its first request asks.
    runtime = out / "skill" / "runtime"
    if sources_fingerprint(runtime) != sources_fingerprint():
        raise BundleError("the bundle's handler sources differ from the ones their scopes were computed from")
    (runtime / "handlers" / SCOPES_FILE.name).write_text(json.dumps(scope_table(runtime), indent=1), encoding="utf-8")
    manifest = root / "audio" / MANIFEST_NAME
    if manifest.is_file():  # the MP3s themselves are served from S3, not from the bundle
        (out / "audio").mkdir()
        shutil.copy2(manifest, out / "audio" / MANIFEST_NAME)
    check_clean(out)
    notes = strip_debug_info(out, architecture)
    python = find_python(python_version)
    if python:
        precompile(out, python)
    else:
        notes.append(f"no local python{python_version}: sources only, so cold starts compile them (slower)")

    zip_path = out.with_name(out.name + ".zip")
    count, unzipped = write_zip(out, zip_path)
    if unzipped > MAX_UNZIPPED_BYTES:
        raise BundleError(f"bundle is {unzipped / 1e6:.0f} MB unzipped; Lambda allows 250 MB")
    return BundleReport(out, zip_path, zip_path.stat().st_size, unzipped, count,
                        requirements, tuple(excluded), tuple(notes), tuple(unused))


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
        report = build(args.out, python_version=args.python_version, architecture=args.architecture,
                       refresh=args.refresh)
    except BundleError as exc:
        print(f"build failed: {exc}", file=sys.stderr)
        return 1
    print(f"runtime requirements: {', '.join(report.requirements)}")
    for item in report.excluded:
        print(f"left out: {item}")
    if report.unused:
        print(f"left out (never imported): {', '.join(report.unused)}")
    for note in report.notes:
        print(f"note: {note}")
    print(report.summary())
    return 0
