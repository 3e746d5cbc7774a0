"""The render plan gives each point avoided in pregnancy a short clip that names it, in the wording the
skill uses where that point's steps are left out; what a player looks up finds exactly that file."""

from pathlib import Path

from render_fixtures import TINY, write_content

from skill.runtime.content.loader import load
from skill.runtime.manifest import FileKind, Manifest, prompt_key_for
from skill.runtime.streams import notice_clips
from skill.tools.render.plan import plan
from skill.tools.render.settings import Settings

WORDING = "Here I'm leaving out {points}, because it's traditionally avoided in pregnancy."


def _content(tmp_path: Path, avoided: bool, wording: str | None = WORDING):
    files = dict(TINY)
    if avoided:
        files["points.yaml"] = files["points.yaml"].replace(
            "            sources: [WHO 2008]\n",
            "            sources: [WHO 2008]\n            pregnancy_contraindicated: true\n"
            "            cautions:\n"
            "              - {kind: pregnancy, text: Traditionally avoided in pregnancy., sources: [WHO 2008]}\n", 1)
    if wording is not None:
        extra = f'\n          pregnancy_skipped_here: "{wording}"\n'
        files["responses/en-US.yaml"] = files["responses/en-US.yaml"].rstrip() + extra
    return load(write_content(tmp_path / "content", files))


def prompts(content):
    return {i.text: i for i in plan(content, "e", Settings(), routines=[]) if i.kind is FileKind.PROMPT}


def test_an_avoided_point_gets_one_clip_naming_it(tmp_path: Path) -> None:
    content = _content(tmp_path, avoided=True)
    planned = prompts(content)
    named = [t for t in planned if "Bladder 23" in t and "pregnancy" in t]
    assert len(named) == 1
    [text] = named
    assert "{" not in text and len(text.split()) <= 40
    # The player finds that very file among the rendered prompts.
    item = planned[text]
    manifest = Manifest.from_dict({"format": 1, "content_version": content.version, "engine": "e", "files": {
        item.key: {"kind": "prompt", "path": item.path, "text": item.text, "hash": item.hash, "duration_ms": 5000}}})
    assert item.key == prompt_key_for(text)
    clips = notice_clips(manifest, [WORDING], {"BL23": "Bladder 23"}).clips
    assert clips["BL23"].path == item.path


def test_points_not_avoided_in_pregnancy_get_no_clip(tmp_path: Path) -> None:
    planned = prompts(_content(tmp_path, avoided=False))
    assert not [t for t in planned if "leaving out" in t]


def test_the_clip_is_the_only_line_the_wording_adds(tmp_path: Path) -> None:
    worded = prompts(_content(tmp_path / "a", avoided=True))
    unworded = prompts(_content(tmp_path / "b", avoided=True, wording=None))
    assert set(worded) - set(unworded) == {WORDING.format(points="Bladder 23")}
