"""Replies sized for the ear: every spoken reply stays short enough to hold in mind lying down.

A dialog reply may say at most 40 words before its question (the reprompt it ends with, or its last
question); the first welcome at most 45 words in all. Not counted: a routine step itself (from its
'Step 2 of 4:' on: the words its rendered audio carries), a routine's own intro and outro lines (its
recorded words, with the routine's cautions), and the safety wording about pregnancy (reviewed with
the red-flag replies, content/safety.yaml). Everything the skill adds around them is. The walk covers every
response key with realistic fillings, every turn of tests/data/conversations*.yaml, and what a person
does most: look up each point and follow the walk-through, ask what helps each complaint, and go
through each routine step by step.
"""

from __future__ import annotations

import random
import re
import string
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import rendered_manifest, stream_durations
from data_schemas import load_data
from envelopes import SKILL_ID, AudioDevice, Conversation, launch_request, speech_of
from expectations import words

from skill.runtime.content import Content
from skill.runtime.manifest import Manifest
from skill.runtime.persistence import SQLiteAdapter
from skill.runtime.pipeline import App, Config, build_app

DATA = Path(__file__).parent / "data"
CONVERSATIONS: list[dict[str, Any]] = [c for f in sorted(DATA.glob("conversations*.yaml")) for c in load_data(f)]

MAX_BEFORE_QUESTION = 40
MAX_FIRST_WELCOME = 45

# Said by the safety helper's own wording (red flags, pregnancy): measured, but kept to its own review.
SAFETY_KEYS = ("emergency_close", "pregnancy_ask", "routine_not_in_pregnancy", "point_pregnancy_lead",
               "pain_no_routine")

_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def count(text: str) -> int:
    return len(text.split())


def before_question(spoken: str, reprompt: str = "") -> int:
    """Words said before the reply's question: the reprompt it ends with, else its last question."""
    spoken, reprompt = words(spoken), words(reprompt)
    if reprompt and spoken.endswith(reprompt) and len(reprompt) < len(spoken):
        return count(spoken[: -len(reprompt)])
    sentences = _SENTENCE.split(spoken)
    for i in range(len(sentences) - 1, -1, -1):
        if sentences[i].endswith("?"):
            return count(" ".join(sentences[:i]))
    return count(spoken)


def reprompt_of(reply: dict[str, Any]) -> str:
    out = (((reply.get("response") or {}).get("reprompt") or {}).get("outputSpeech")) or {}
    return str(out.get("ssml") or out.get("text") or "")


def routine_words(content: Content) -> list[str]:
    """A routine's own recorded words: each step's instructions, and its intro and outro (the same
    words its audio carries, with the routine's cautions), longest first."""
    lines = {words(line) for routine in content.routines.values()
             for line in (*routine.intro, *routine.outro,
                          *(x for step in routine.steps for x in (*step.say, *step.release)))}
    return sorted(lines, key=len, reverse=True)


def safety_words(content: Content) -> list[str]:
    """The safety wording about pregnancy (reviewed with the red-flag replies, content/safety.yaml): what a
    pregnant user is told, and the caution said before a point she asks about."""
    s = content.safety
    # The full disclaimer too: said whole only when the person asks for it (DisclaimerIntent).
    lines = {words(s.disclaimer), words(s.pregnancy_skip), *(words(x) for x in (*s.pregnancy, *s.pregnancy_cleared)),
             *(words(p.pregnancy_caution.text) for p in content.points.values() if p.pregnancy_caution)}
    return sorted(lines, key=len, reverse=True)


def safety_prompts(content: Content) -> list[re.Pattern[str]]:
    """The pregnancy replies in content/responses (which points are left out, and why), placeholders
    matching whatever fills them."""
    texts = [v for key, value in content.prompts.items() if key.startswith("pregnancy_")
             for v in ([value] if isinstance(value, str) else value)]
    return [re.compile(".+?".join(re.escape(part) for part in re.split(r"\{[a-z_]+\}", words(t))))
            for t in sorted(texts, key=len, reverse=True)]


def strip_step_words(content: Content, spoken: str) -> str:
    """The reply without a routine's own recorded words (the exception the limit allows)."""
    spoken = words(spoken)
    for line in (*routine_words(content), *safety_words(content)):
        spoken = spoken.replace(line, " ")
    for pattern in safety_prompts(content):
        spoken = pattern.sub(" ", spoken)
    return " ".join(spoken.split())


def fillings(content: Content) -> dict[str, str]:
    """Realistic, long-ish values for every placeholder a response uses."""
    routines = list(content.routines.values())
    points = list(content.points.values())
    longest = max(routines, key=lambda r: len(r.name)).name
    return {
        "name": longest, "other": routines[0].name, "first": points[0].name, "number": "3", "total": "12",
        "routines": ", ".join(r.name for r in routines), "points": ", ".join(p.name for p in points[:4]),
        "topic": "chronic lower back pain", "examples": ", ".join(p.name for p in points[:3]),
        "complaints": ", ".join(c.name for c in content.complaints.values()), "hold": "two and a half minutes",
        "pause": "a minute and a half", "seconds": "45", "when": "after lunch", "said": "stomach thirty six",
        "position": "lying down", "pinyin": points[0].pinyin, "title": "Press beside the spine",
        "step": "3", "steps": "5",
        "emergency_number": "911", "doctor": "your doctor", "urgent_care": "urgent care",
        "emergency_department": "the emergency room",
    }


def variants(content: Content, key: str) -> list[str]:
    value = content.prompts[key]
    return [value] if isinstance(value, str) else list(value)


def key_lengths(content: Content) -> Iterator[tuple[str, int]]:
    fills = fillings(content)
    for key, value in content.prompts.items():
        if key.startswith("slot_") or key in SAFETY_KEYS:
            continue
        for variant in [value] if isinstance(value, str) else value:
            names = {f for _, f, _, _ in string.Formatter().parse(variant) if f}
            text = variant.format(**{n: fills.get(n, "something") for n in names})
            yield f"key {key}", before_question(text)


# (words, limit, where, what was said)
Record = list[tuple[int, int, str, str]]
_users = iter(range(1_000_000))


def talker(app: App) -> Conversation:
    """A conversation with a person of their own (nothing carried over from another walk)."""
    return Conversation(app.handle_event, user_id=f"amzn1.ask.account.EAR{next(_users)}")


def step_heading(content: Content) -> re.Pattern[str]:
    """Where a routine step begins in a reply ('Step 2 of 4:'), from the step_heading response."""
    template = str(content.prompts["step_heading"]).split("{title}")[0]
    parts = re.split(r"\{(?:number|total)\}", template)
    return re.compile(r"\d+".join(r"\s+".join(map(re.escape, p.split(" "))) for p in parts))


def measure(content: Content, record: Record, where: str, reply: dict[str, Any]) -> None:
    spoken = speech_of(reply)
    if not spoken:
        return
    said = strip_step_words(content, spoken)
    step = step_heading(content).search(said)
    if step:
        # A routine step is the exception: what comes before it is counted, the step itself is not.
        record.append((count(said[: step.start()]), MAX_BEFORE_QUESTION, where, words(spoken)))
        return
    n = before_question(said, strip_step_words(content, reprompt_of(reply)))
    record.append((n, MAX_BEFORE_QUESTION, where, words(spoken)))


def conversation_lengths(content: Content, app_factory: Callable[[], App], record: Record) -> None:
    """Every turn of every data-driven conversation, through the real pipeline."""
    for case in CONVERSATIONS:
        talk = talker(app_factory())
        for i, turn in enumerate(case["turns"]):
            if turn.get("request") == "launch":
                reply = talk.send(launch_request())
            elif turn.get("request") == "session_ended":
                reply = talk.end_session()
            else:
                reply = talk.intent(turn["intent"], turn.get("slots"))
            where = f"{case['name']} / turn {i} ({turn.get('say') or turn.get('intent')})"
            if i == 0 and turn.get("request") == "launch":
                # The first welcome is counted whole.
                said = words(speech_of(reply))
                record.append((count(said), MAX_FIRST_WELCOME, f"{where} [first welcome, whole]", said))
            else:
                measure(content, record, where, reply)


def walk_lengths(content: Content, app_factory: Callable[[], App], record: Record) -> None:
    """What people ask most: each point and its walk-through, each complaint, each routine to its end."""
    for point in content.points.values():
        talk = talker(app_factory())
        talk.launch()
        reply = talk.intent("FindPointIntent", {"point": {"value": point.name, "id": point.id}})
        measure(content, record, f"where is {point.name}", reply)
        reply = talk.intent("AMAZON.YesIntent")
        measure(content, record, f"finding {point.name}, yes", reply)
        for turn in range(30):
            if "finding" not in talk.attributes or talk.ended:
                break
            reply = talk.intent("AMAZON.NextIntent")
            measure(content, record, f"finding {point.name}, next #{turn + 1}", reply)
    for complaint in content.complaints.values():
        talk = talker(app_factory())
        talk.launch()
        measure(content, record, f"what helps {complaint.name}",
                talk.intent("PointsForComplaintIntent", {"complaint": {"value": complaint.name, "id": complaint.id}}))
    for routine in content.routines.values():
        talk = talker(app_factory())
        talk.launch()
        reply = talk.intent("StartRoutineIntent", {"routine": {"value": routine.name, "id": routine.id}})
        measure(content, record, f"start the {routine.name}", reply)
        for n in range(len(routine.steps) + 1):
            reply = talk.intent("AMAZON.NextIntent")
            measure(content, record, f"{routine.name}, next #{n + 1}", reply)
            if talk.ended:
                break


def audio_lengths(content: Content, make_app: Callable[..., App], record: Record) -> None:
    """Each routine started, moved through and resumed on a device that plays it as audio."""
    app = make_app(manifest=rendered_manifest(content))
    durations = stream_durations(content)
    for routine in content.routines.values():
        device = AudioDevice(app.handle_event, durations, user_id=f"amzn1.ask.account.EARPLAY{routine.id}")
        measure(content, record, "open, with audio", device.launch())
        reply = device.intent("StartRoutineIntent", {"routine": {"value": routine.name, "id": routine.id}})
        measure(content, record, f"start the {routine.name}, with audio", reply)
        if has_prompt(content, reply, "pregnancy_ask"):
            measure(content, record, f"not pregnant, {routine.name}, with audio", device.intent("AMAZON.NoIntent"))
        for name in ("AMAZON.NextIntent", "AMAZON.PreviousIntent", "AMAZON.PauseIntent", "AMAZON.ResumeIntent"):
            measure(content, record, f"{name} in the {routine.name}, with audio", device.intent(name))
        device.play_to_end()
        measure(content, record, f"open after the {routine.name} played", device.launch())


def has_prompt(content: Content, reply: dict[str, Any], key: str) -> bool:
    value = content.prompts[key]
    said = words(speech_of(reply))
    return any(words(v.split("{")[0]) in said for v in ([value] if isinstance(value, str) else value))


@pytest.fixture
def app_factory(make_app: Callable[..., App]) -> Callable[[], App]:
    """A fresh skill on its own SQLite file per conversation, speaking routines as text (no audio)."""
    return lambda: make_app(audio_base_url=None)


def longest(record: Record, n: int = 10) -> Record:
    """The n longest distinct replies (the same words in several conversations count once)."""
    seen: set[str] = set()
    out: Record = []
    for r in sorted(record, key=lambda r: -r[0]):
        if r[3] not in seen:
            seen.add(r[3])
            out.append(r)
    return out[:n]


def test_every_response_key_fits_the_ear(content: Content) -> None:
    over = [(key, n) for key, n in key_lengths(content) if n > MAX_BEFORE_QUESTION]
    assert not over, f"responses over {MAX_BEFORE_QUESTION} words before their question: {over}"


def test_every_reply_in_every_conversation_fits_the_ear(content: Content, app_factory: Callable[[], App],
                                                         make_app: Callable[..., App]) -> None:
    record: Record = []
    conversation_lengths(content, app_factory, record)
    walk_lengths(content, app_factory, record)
    audio_lengths(content, make_app, record)
    assert sum("with audio" in where for _, _, where, _ in record) >= len(content.routines)
    assert len(record) > 100
    print("\nlongest replies (words before the question):")
    for n, _, where, text in longest(record):
        print(f"{n:4d}  {where}: {text[:160]}")
    over = [(n, limit, where, text) for n, limit, where, text in record if n > limit]
    assert not over, "\n".join(f"{n} words (limit {limit}): {where}: {text}" for n, limit, where, text in over)


def test_every_tip_said_at_a_close_fits_the_ear(content: Content, db_path: Path) -> None:
    """Closing many times, each time with the tip picked differently: every tip said there keeps the
    close within the limit."""
    record: Record = []
    heard: set[str] = set()
    for n in range(60):
        app = build_app(manifest=Manifest.empty(), adapter=SQLiteAdapter(db_path), rng=random.Random(n),
                        config=Config(skill_id=SKILL_ID, audio_base_url=None))
        talk = talker(app)
        talk.launch()
        routine = list(content.routines.values())[n % len(content.routines)]
        reply = talk.intent("StartRoutineIntent", {"routine": {"value": routine.name, "id": routine.id}})
        if talk.attributes.get("pending") == "pregnancy_question":
            talk.intent("AMAZON.NoIntent")
        for _ in range(len(routine.steps) + 1):
            reply = talk.intent("AMAZON.NextIntent")
            if "reminder" in str(talk.attributes.get("pending")) or talk.ended:
                break
        measure(content, record, f"closing the {routine.name}", reply)
        heard |= {t.text for t in content.tips if words(t.text) in words(speech_of(reply))}
    over = [(n, where, text) for n, limit, where, text in record if n > limit]
    assert not over, over
    assert len(heard) >= len(content.tips) // 2, heard  # many different tips were said


def test_the_count_is_of_words_before_the_question() -> None:
    long = " ".join(["word"] * 41) + "."
    assert before_question(long + " Shall we go on?") == 41
    assert before_question("Hello there. Shall we go on?") == 2
    assert before_question(long + " Say next.", "Say next.") == 41
    assert before_question("One. Two three.") == 3
