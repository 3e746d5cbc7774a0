"""What gets rendered: prompts, steps at every hold choice, side changes, and what the hashes cover."""

import pytest
from render_fixtures import TINY, write_content

from skill.runtime.content.loader import load
from skill.runtime.content.models import HOLD_CHOICES_S
from skill.runtime.manifest import FileKind, step_key
from skill.tools.render.plan import plan, spoken_lines, switches_side
from skill.tools.render.settings import Settings


def _content(tmp_path, **changes):
    files = dict(TINY)
    for name, (old, new) in changes.items():
        files[name.replace("_", ".")] = files[name.replace("_", ".")].replace(old, new)
    return load(write_content(tmp_path / "content", files))


def test_only_lines_the_skill_speaks_become_prompts(tmp_path):
    lines = spoken_lines(_content(tmp_path))
    assert "Welcome to Acupressure Coach." in lines and "Not medical advice." in lines
    assert "Lie down comfortably." in lines  # routine intro
    for not_spoken in ("Hold for {seconds} seconds.", ", ", "next", "skip it", "Acupressure Coach listing"):
        assert not_spoken not in lines
    assert len(lines) == len(set(lines))


def test_hold_steps_get_one_file_per_hold_choice(tmp_path):
    content = _content(tmp_path)
    keys = {i.key for i in plan(content, "e", Settings()) if i.kind is FileKind.STEP}
    for hold in HOLD_CHOICES_S:
        assert step_key("tiny_back", "bl23_left", hold) in keys
    assert step_key("tiny_breath", "breathe", None) in keys


def test_side_change_is_seen_across_a_sideless_switch_step(tmp_path):
    content = _content(tmp_path, routines_yaml=("              - id: bl23_right", """              - id: switch
                title: Switch sides
                say: [Switch sides.]
              - id: bl23_right"""))
    r = content.routines["tiny_back"]
    assert [switches_side(r, i) for i in range(len(r.steps))] == [False, False, True]


def test_hash_covers_voice_and_settings_but_not_unrelated_files(tmp_path):
    content = _content(tmp_path)
    a = {i.key: i.hash for i in plan(content, "voice-a", Settings())}
    b = {i.key: i.hash for i in plan(content, "voice-b", Settings())}
    c = {i.key: i.hash for i in plan(content, "voice-a", Settings(hold_cues=("halfway",)))}
    assert all(a[k] != b[k] for k in a)
    assert all(a[k] != c[k] for k in a)
    assert a == {i.key: i.hash for i in plan(content, "voice-a", Settings())}


def test_pronunciation_hints_respell_whole_words_for_the_engine_only(tmp_path):
    from skill.tools.render.pronounce import HintsError, load_hints

    hints_file = tmp_path / "pronunciation.yaml"
    hints_file.write_text("words:\n  Shenshu: Shen-shoo\n  paused: pawzd\n", encoding="utf-8")
    hints = load_hints(hints_file)
    assert hints.apply("Paused. Press Shenshu, not shenshuish.") == "Pawzd. Press Shen-shoo, not shenshuish."
    assert hints.digest() != load_hints(tmp_path / "missing.yaml").digest()
    hints_file.write_text("words:\n  two words: x\n", encoding="utf-8")
    with pytest.raises(HintsError):
        load_hints(hints_file)


def test_the_shipped_pronunciation_hints_load():
    from skill.tools.render.pronounce import load_hints

    load_hints()
