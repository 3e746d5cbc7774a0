"""The voice data: the intents registry agrees with the code, every intent has sentences and test
cases, slot lists hold what the handlers know, the safety lexicon names only real red flags, and
broken voice files are reported with file, line and field (on copies, never the real files)."""

from __future__ import annotations

import dataclasses
import re
import shutil
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

from skill.runtime.content import Content, ContentError, load
from skill.runtime.content.loader import DEFAULT_CONTENT_DIR, DEFAULT_LOCALE
from skill.runtime.content.models import FlagPatterns, IntentSpec, Position
from skill.runtime.content.voice import Voice, load_voice
from skill.runtime.handlers.intents import INTENT_SLOTS, Intent, SlotType
from skill.runtime.handlers.reminders import TimeOfDay
from skill.runtime.screening import Detector
from skill.tools.model_builder import RegistryMismatch, check_registry

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def voice(content: Content) -> Voice:
    return load_voice(content)


# ---- the registry and the code


def test_registry_names_exactly_the_code_s_intents_slots_and_types(voice: Voice) -> None:
    check_registry(voice)
    assert list(voice.intents) == [i.value for i in Intent]
    assert set(voice.slot_types) == {t.value for t in SlotType}
    for intent in Intent:
        assert voice.intents[intent.value].slots == {s.value: t.value for s, t in INTENT_SLOTS.get(intent, {}).items()}


def test_an_intent_in_only_one_of_them_is_an_error(voice: Voice) -> None:
    extra = dataclasses.replace(voice, intents={**voice.intents, "DanceIntent": IntentSpec(description="dance")})
    with pytest.raises(RegistryMismatch, match=r"DanceIntent is in content/intents\.yaml but not in Intent"):
        check_registry(extra)
    fewer = dataclasses.replace(voice, intents={k: v for k, v in voice.intents.items() if k != "SkipIntent"})
    with pytest.raises(RegistryMismatch, match=r"SkipIntent is in Intent but not in content/intents\.yaml"):
        check_registry(fewer)
    changed = dict(voice.intents)
    changed["FindPointIntent"] = IntentSpec(description="x", slots={"point": "ROUTINE_NAME"})
    with pytest.raises(RegistryMismatch, match="FindPointIntent: slots"):
        check_registry(dataclasses.replace(voice, intents=changed))


def test_every_custom_intent_has_sentences_in_every_locale(voice: Voice) -> None:
    assert voice.locales[0] == DEFAULT_LOCALE
    for locale in voice.locales:
        for name in voice.intents:
            if not IntentSpec.is_builtin(name):
                assert len(voice.samples[locale][name]) >= 5, (locale, name)


def _intents_in(data: Any) -> set[str]:
    if isinstance(data, dict):
        found = {data["intent"]} if isinstance(data.get("intent"), str) else set()
        return found.union(*(_intents_in(v) for v in data.values()))
    if isinstance(data, list):
        return set().union(*(_intents_in(v) for v in data))
    return set()


def test_every_intent_has_a_test_case_in_tests_data(voice: Voice) -> None:
    tested = set().union(*(_intents_in(yaml.safe_load(f.read_text())) for f in sorted(DATA.glob("*.yaml"))))
    missing = [name for name in voice.intents if name not in tested]
    assert not missing, f"intents no file in tests/data/ sends: {missing}"


def test_slot_lists_hold_the_values_the_handlers_know(content: Content, voice: Voice) -> None:
    for locale, lists in content.slot_lists.items():
        position = voice.slot_types[SlotType.POSITION.value].list_name
        time = voice.slot_types[SlotType.TIME_OF_DAY.value].list_name
        assert position and time
        assert set(lists[position]) == {Position.SEATED.value, Position.LYING.value}, locale
        assert set(lists[time]) == {t.value for t in TimeOfDay}, locale


def test_the_prompts_api_still_serves_slot_words(content: Content) -> None:
    # Handlers match heard words against `slot_<list>_<id>` (as when slot lists were prompts).
    assert "in a chair" in content.prompts["slot_position_seated"]
    assert "at bedtime" in content.prompts["slot_time_bedtime"]
    assert content.prompts["goodbye"] == content.responses[DEFAULT_LOCALE]["goodbye"]


# ---- the safety lexicon


def test_the_lexicon_names_only_real_red_flags(content: Content) -> None:
    lexicon = content.safety.lexicon
    assert lexicon is not None
    assert list(lexicon.red_flags) == [f.id for f in content.safety.red_flags]
    made_up = dataclasses.replace(lexicon, red_flags={**lexicon.red_flags,
                                                      "made_up": FlagPatterns(patterns=["hiccups"])})
    with pytest.raises(ValueError, match="unknown red flags: made_up"):
        Detector.build(content.safety.red_flags, made_up)


# ---- broken voice files, on a copy of the content


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    dst = tmp_path / "content"
    shutil.copytree(DEFAULT_CONTENT_DIR, dst)
    return dst


def _write(root: Path, name: str, text: str) -> None:
    (root / name).write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")


def _append(root: Path, name: str, text: str) -> None:
    """Add lines (indented as written) at the end of a copied file."""
    path = root / name
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def _line(root: Path, name: str, marker: str) -> int:
    """1-based line of the last line holding `marker`."""
    lines = (root / name).read_text(encoding="utf-8").splitlines()
    return max(i for i, line in enumerate(lines, 1) if marker in line)


def _problems(content_dir: Path, voice_too: bool = True) -> list[str]:
    with pytest.raises(ContentError) as info:
        content = load(content_dir)
        if voice_too:
            load_voice(content)
    return [str(p) for p in info.value.problems]


def _assert_reported(problems: list[str], file: str, line: int, field: str, message: str) -> None:
    pattern = re.compile(rf"^content/{re.escape(file)}:{line}: {re.escape(field)}: .*{re.escape(message)}")
    assert any(pattern.search(p) for p in problems), "\n".join(problems)


EXTRA = "sentences/en-US/zz_extra.yaml"  # read after the real files


@pytest.mark.parametrize(("sentence", "field", "message"), [
    ("cancel {point}", "intents.AMAZON.CancelIntent.sentences[0]", "slot {point} is not a slot of"),
    ("<nope> cancel", "intents.AMAZON.CancelIntent.sentences[0]", "unknown rule <nope>"),
    ("cancel 2 things", "intents.AMAZON.CancelIntent.sentences[0]", "spell numbers out"),
    ("cancel, please", "intents.AMAZON.CancelIntent.sentences[0]", "lower-case words"),
    ("(cancel", "intents.AMAZON.CancelIntent.sentences[0]", "is never closed"),
    ("(list|name) the points", "intents.AMAZON.CancelIntent.sentences[0]",
     "'list the points' is also a sample of ListPointsIntent (content/sentences/en-US/points.yaml:"),
    ("cancel " + "now " * 60, "intents.AMAZON.CancelIntent.sentences[0]", "longer than 200 characters"),
])
def test_a_bad_sentence_is_reported(content_dir: Path, sentence: str, field: str, message: str) -> None:
    _write(content_dir, EXTRA, f"""
        language: en-US
        intents:
          AMAZON.CancelIntent:
            sentences:
              - "{sentence}"
    """)
    _assert_reported(_problems(content_dir), EXTRA, 5, field, message)


def test_sentences_for_an_unknown_or_repeated_intent(content_dir: Path) -> None:
    _write(content_dir, EXTRA, """
        language: en-US
        intents:
          FlyIntent:
            sentences: [fly me to the moon]
          SkipIntent:
            sentences: [pass on this one]
    """)
    problems = _problems(content_dir)
    _assert_reported(problems, EXTRA, 3, "intents.FlyIntent", "unknown intent 'FlyIntent'")
    _assert_reported(problems, EXTRA, 5, "intents.SkipIntent",
                     "SkipIntent already has sentences in content/sentences/en-US/routines.yaml")


def test_a_custom_intent_without_sentences(content_dir: Path) -> None:
    (content_dir / "sentences/en-US/privacy.yaml").unlink()
    _assert_reported(_problems(content_dir), "sentences/en-US/", 0, "DeleteDataIntent", "no sentences")


def test_a_slot_of_an_unknown_type(content_dir: Path) -> None:
    _append(content_dir, "intents.yaml", "  HumIntent:\n    description: hum a tune\n    slots: {tune: TUNE_NAME}\n")
    line = _line(content_dir, "intents.yaml", "TUNE_NAME")
    _assert_reported(_problems(content_dir), "intents.yaml", line, "intents.HumIntent.slots.tune",
                     "unknown slot type 'TUNE_NAME'")


def test_a_bad_expansion_rule(content_dir: Path) -> None:
    _append(content_dir, "sentences/en-US/_common.yaml", "  loop: (a|<loop>)\n")
    line = _line(content_dir, "sentences/en-US/_common.yaml", "loop:")
    _assert_reported(_problems(content_dir), "sentences/en-US/_common.yaml", line, "expansion_rules.loop",
                     "rule <loop> refers to itself")


def test_store_listing_within_alexa_s_limits(content_dir: Path) -> None:
    _write(content_dir, "store/en-US.yaml", """
        language: en-US
        store:
          name: Acupressure Coach
          summary: Hands-free acupressure coaching.
          description: Coaching.
          examples: ["Alexa, open acupressure coach", "Alexa, ask acupressure coach for help",
                     "Alexa, ask acupressure coach to start", "Alexa, ask acupressure coach where is bladder"]
    """)
    _assert_reported(_problems(content_dir), "store/en-US.yaml", 6, "store.examples", "at most 3 items")


def test_responses_whose_variants_disagree_on_placeholders(content_dir: Path) -> None:
    _append(content_dir, "responses/en-US.yaml", "  greet_again:\n    - Hello again, {name}.\n    - Hello again.\n")
    line = _line(content_dir, "responses/en-US.yaml", "- Hello again.")
    _assert_reported(_problems(content_dir, voice_too=False), "responses/en-US.yaml", line,
                     "responses.greet_again[1]", "variants differ in placeholders")


def test_a_locale_overlay_overrides_only_what_the_default_locale_has(content_dir: Path) -> None:
    _write(content_dir, "responses/en-GB.yaml", """
        language: en-US
        responses:
          goodbye: Cheerio.
    """)
    problems = _problems(content_dir, voice_too=False)
    _assert_reported(problems, "responses/en-GB.yaml", 1, "language", "says 'en-US' in a file named en-GB.yaml")
    _write(content_dir, "responses/en-GB.yaml", """
        language: en-GB
        responses:
          goodbye: Cheerio.
          ta_ra: Ta-ra.
          hold_set: Right, {minutes} it is.
          routine_start: Let's do the {name}. Ring {emergency_number} if you need help.
    """)
    problems = _problems(content_dir, voice_too=False)
    # Keys left out are the default locale's: an overlay holds only what differs.
    assert not any("missing" in p for p in problems), problems
    _assert_reported(problems, "responses/en-GB.yaml", 4, "responses.ta_ra", "not in en-US")
    _assert_reported(problems, "responses/en-GB.yaml", 5, "responses.hold_set",
                     "fills {minutes}, which en-US's does not")
    assert len(problems) == 2, problems  # the locale's own words ({emergency_number}) are always there


def test_a_word_naming_two_slot_values(content_dir: Path) -> None:
    _append(content_dir, "slots/en-US.yaml", "  mood:\n    calm: [relaxed, at ease]\n    sleepy: [tired, at ease]\n")
    line = _line(content_dir, "slots/en-US.yaml", "sleepy")
    _assert_reported(_problems(content_dir, voice_too=False), "slots/en-US.yaml", line, "lists.mood.sleepy[1]",
                     "'at ease' also names 'calm'")


LEXICON = "safety_lexicon.yaml"


def test_the_lexicon_s_red_flags_and_patterns_are_checked(content_dir: Path) -> None:
    _write(content_dir, LEXICON, """
        lexicon:
          point_words: [bladder]
          lists:
            hot: (fever*|temperature)
          red_flags:
            fever:
              patterns: [<hot>, <cold>]
            hiccups:
              patterns: [hiccup*]
          pregnant: [pregnan*]
          not_pregnant: [not pregnant]
          pain: ["(sore|hurts)"]
    """)
    problems = _problems(content_dir, voice_too=False)
    _assert_reported(problems, LEXICON, 8, "lexicon.red_flags.hiccups", "unknown red flag 'hiccups'")
    _assert_reported(problems, LEXICON, 7, "lexicon.red_flags.fever.patterns[1]", "unknown rule <cold>")
    safety = (content_dir / "safety.yaml").read_text().splitlines()
    bladder = next(i for i, line in enumerate(safety, 1) if "id: bladder_bowel" in line)
    _assert_reported(problems, "safety.yaml", bladder, "safety.red_flags[0].id",
                     "red flag 'bladder_bowel' has no patterns in safety_lexicon.yaml")


def test_a_lexicon_template_that_does_not_parse(content_dir: Path) -> None:
    text = (content_dir / LEXICON).read_text().replace("  pain:\n", "  pain:\n    - (sore|hurts\n", 1)
    (content_dir / LEXICON).write_text(text)
    line = _line(content_dir, LEXICON, "(sore|hurts")
    _assert_reported(_problems(content_dir, voice_too=False), LEXICON, line, "lexicon.pain[0]", "is never closed")
