"""The runtime's boundary is a contract (import-linter, pyproject.toml) that CI checks: it holds on the
real tree, and it breaks, naming the import, when the runtime reaches for a tool or for Flask."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=tree, env=env, capture_output=True,
                          text=True, timeout=120)


def copy_of_tree(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    shutil.copytree(ROOT / "skill", tree / "skill", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(ROOT / "pyproject.toml", tree / "pyproject.toml")
    return tree


@pytest.fixture(autouse=True)
def _needs_import_linter() -> None:
    if not LINT_IMPORTS.exists():
        pytest.fail("lint-imports is not installed: run ./scripts/setup (it is in the dev extra)")


def test_the_real_tree_keeps_every_contract() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_runtime_importing_a_tool_breaks_the_contract(tmp_path: Path) -> None:
    tree = copy_of_tree(tmp_path)
    with (tree / "skill" / "runtime" / "engine.py").open("a", encoding="utf-8") as f:
        f.write("\nimport skill.tools.cli  # a runtime module reaching for a maintainer tool\n")
    result = lint_imports(tree)
    print(result.stdout)
    assert result.returncode != 0
    assert "skill.runtime is not allowed to import skill.tools" in result.stdout
    assert "skill.runtime.engine -> skill.tools.cli" in result.stdout


def test_runtime_importing_flask_breaks_the_contract(tmp_path: Path) -> None:
    tree = copy_of_tree(tmp_path)
    with (tree / "skill" / "runtime" / "speech.py").open("a", encoding="utf-8") as f:
        f.write("\nimport flask  # web code in what Lambda runs\n")
    result = lint_imports(tree)
    assert result.returncode != 0
    assert "skill.runtime.speech -> flask" in result.stdout
