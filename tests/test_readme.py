"""The README's two commands are real: CI runs the test command verbatim."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def readme_commands() -> list[str]:
    """The first two shell code blocks of the README, in order."""
    text = (ROOT / "README.md").read_text()
    return [b.strip() for b in re.findall(r"```sh\n(.*?)```", text, re.S)][:2]


def test_readme_starts_with_run_and_test_commands() -> None:
    run, test = readme_commands()
    assert "acupressure serve" in run and run.startswith("./scripts/setup")
    assert "pytest" in test and test.startswith("./scripts/setup")


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    _, test = readme_commands()
    ci_lines = [ln.strip() for ln in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert test in ci_lines


def test_setup_installs_from_project_metadata_only() -> None:
    setup = (ROOT / "scripts" / "setup").read_text()
    assert "apt-get" not in setup and "git+" not in setup
    assert "-e '.[dev]'" in setup
