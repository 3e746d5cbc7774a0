"""Every APL document the skill can emit passes Amazon's own validator, apl-suggester (npm), with zero findings.

The validator is installed from the npm registry into tests/apl/node_modules by `npm ci`
(tests/apl/package-lock.json pins it); tests/apl/validate.js runs it over a JSON file.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from test_apl import every_directive

APL_DIR = Path(__file__).resolve().parent / "apl"
NODE = shutil.which("node")
NPM = shutil.which("npm")

pytestmark = pytest.mark.skipif(not (NODE and NPM), reason="node and npm are not installed: apl-suggester cannot run")


@pytest.fixture(scope="module")
def suggester() -> Path:
    """tests/apl with apl-suggester installed (npm ci from the registry when it is missing)."""
    if not (APL_DIR / "node_modules" / "apl-suggester" / "package.json").exists():
        subprocess.run([NPM, "ci", "--no-audit", "--no-fund"], cwd=APL_DIR, check=True, timeout=600,
                       capture_output=True)
    return APL_DIR


def validate(suggester: Path, tmp_path: Path, documents: dict[str, dict[str, Any]]) -> dict[str, list[dict[str, str]]]:
    """Findings per document name, as apl-suggester reports them."""
    path = tmp_path / "documents.json"
    path.write_text(json.dumps(documents), encoding="utf-8")
    run = subprocess.run([NODE, str(suggester / "validate.js"), str(path)], cwd=suggester, capture_output=True,
                         text=True, timeout=300, check=False)
    assert run.returncode == 0, run.stderr
    findings: dict[str, list[dict[str, str]]] = json.loads(run.stdout)
    assert set(findings) == set(documents), "the validator answered for every document"
    return findings


def as_input(directive: dict[str, Any]) -> dict[str, Any]:
    return {"document": directive["document"], "datasources": directive["datasources"]}


def test_every_document_the_skill_can_emit_has_zero_findings(suggester, tmp_path, content):
    directives = every_directive(content)
    documents = {name: as_input(d) for name, d in directives.items()}
    # Each viewport variant on its own too, so a finding names the layout it is in.
    sample = directives["lookup/BL23"]
    for i, variant in enumerate(sample["document"]["mainTemplate"]["items"]):
        doc = {**sample["document"], "mainTemplate": {**sample["document"]["mainTemplate"], "items": [variant]}}
        documents[f"variant/{i}/{variant.get('when', 'fallback')}"] = {"document": doc,
                                                                       "datasources": sample["datasources"]}
    findings = validate(suggester, tmp_path, documents)
    bad = {name: f for name, f in findings.items() if f}
    assert bad == {}
    print(f"\napl-suggester: {len(documents)} documents validated, 0 findings")
    assert len(documents) >= len(content.points) + 2 * len(content.routines)


def test_the_validator_does_find_a_broken_document(suggester, tmp_path):
    good = as_input(every_directive_sample())
    broken = json.loads(json.dumps(good))
    broken["document"]["graphics"]["point"]["items"][0]["items"][0]["strokeLineCap"] = "pointy"
    broken["document"]["layouts"]["Screen"]["item"]["alignItems"] = "middle"
    findings = validate(suggester, tmp_path, {"good": good, "broken": broken})
    assert findings["good"] == []
    paths = {f["path"] for f in findings["broken"]}
    assert "/graphics/point/items/0/items/0/strokeLineCap" in paths, findings["broken"]
    assert any(p.endswith("alignItems") for p in paths), findings["broken"]


def every_directive_sample() -> dict[str, Any]:
    from skill.runtime import apl

    return apl.lookup_directive("GV4", "Governing Vessel 4", "Put a finger on your navel.")
