"""Every fact in the five seed texts is in the content, in our own words; DESIGN.md safety lists too."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from pathlib import Path

import pytest
from data_schemas import load_data

from skill.runtime.content import Content, default_content
from skill.runtime.content.models import HOLD_DEFAULT_S, SEED_FILES, CautionKind, Point, Routine, RoutineKind

DATA = load_data("source_facts.yaml")
SEEDS_DIR = Path(__file__).resolve().parents[2] / "shared" / "seeds"

KINDS = ("point", "technique", "routine", "script", "tip", "safety")
CHECKS = {
    "point": {"regions", "complaints", "aliases", "words", "notes", "duration_s", "both_sides", "cautions",
              "pregnancy"},
    "technique": {"words", "position", "needs_partner"},
    "routine": {"points", "techniques", "words", "position"},
    "script": {"steps", "step_words", "words"},
    "tip": {"category", "words"},
    "safety": {"words"},
}
FACTS = [(seed, i, fact) for seed, facts in DATA["seeds"].items() for i, fact in enumerate(facts)]


def _kind(fact: dict) -> str:
    kinds = [k for k in KINDS if k in fact]
    assert len(kinds) == 1, f"fact needs exactly one of {KINDS}: {fact}"
    return kinds[0]


def _fact_id(seed: str, i: int, fact: dict) -> str:
    kind = _kind(fact)
    return f"{seed[:3]}-{i:02d}-{kind}-{fact[kind]}"


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u2019", "'").lower())


def _join(parts: Iterable[str | None]) -> str:
    return _norm(" \n ".join(p for p in parts if p))


def point_text(p: Point) -> str:
    """Everything spoken about a point."""
    return _join([p.name, p.location, *p.find_steps, p.press.pressure, p.press.motion, p.press.direction,
                  *p.press.steps, *p.benefits, *(c.text for c in p.cautions)])


def routine_text(r: Routine) -> str:
    """Everything spoken in a routine or script."""
    steps = [line for s in r.steps for line in (s.title, *s.say, *s.release)]
    return _join([r.name, r.description, *r.intro, *steps, *r.outro])


def spoken_texts(c: Content) -> list[str]:
    """Every string the skill may speak, from the content files this suite covers."""
    out: list[str] = []
    for p in c.points.values():
        out += [p.location, *p.find_steps, p.press.pressure, p.press.motion, p.press.direction,
                *p.press.steps, *p.benefits, *(x.text for x in p.cautions)]
    for t in c.techniques.values():
        out += [t.name, *t.steps]
    for r in c.routines.values():
        out += [r.description, *r.intro, *r.outro]
        out += [line for s in r.steps for line in (s.title, *s.say, *s.release)]
    s = c.safety
    out += [s.disclaimer, s.disclaimer_short, *s.pregnancy, s.pregnancy_skip, *s.red_flag_reply,
            *s.emergency_reply, *s.see_practitioner, *s.pain_during, *s.pressure_guidance]
    out += [t.text for t in c.tips]
    return out


def _missing_words(text: str, words: list[str]) -> list[str]:
    """Words (each 'a|b' = either) not found in text."""
    return [w for w in words if not any(_norm(alt) in text for alt in w.split("|"))]


def _subsequence(wanted: list[str], have: list[str]) -> bool:
    it = iter(have)
    return all(any(h == w for h in it) for w in wanted)


def check_fact(c: Content, seed: str, fact: dict) -> list[str]:
    """Problems with one fact in the content; empty when the content holds it."""
    kind = _kind(fact)
    key = fact[kind]
    unknown = set(fact) - {"fact", kind} - CHECKS[kind]
    assert not unknown, f"unknown check(s) {unknown} for {kind} in {fact}"
    errs: list[str] = []

    def words(text: str, field: str = "words") -> None:
        if field in fact and (miss := _missing_words(text, fact[field])):
            errs.append(f"{kind} {key}: {field} not found: {miss}")

    def sourced(sources: list[str]) -> None:
        if seed not in sources:
            errs.append(f"{kind} {key}: {seed} not in its sources {sources}")

    if kind == "point":
        p = c.points.get(key)
        if p is None:
            return [f"point {key} missing"]
        sourced(p.sources)
        if missing := set(fact.get("regions", [])) - {r.value for r in p.regions}:
            errs.append(f"point {key}: regions not tagged {sorted(missing)}")
        if missing := set(fact.get("complaints", [])) - {x.value for x in p.complaints}:
            errs.append(f"point {key}: complaints not tagged {sorted(missing)}")
        for alias in fact.get("aliases", []):
            got = c.point(alias)
            if got is None or got.id != key:
                errs.append(f"point {key}: {alias!r} resolves to {got and got.id}")
        if "duration_s" in fact and p.press.duration_s != fact["duration_s"]:
            errs.append(f"point {key}: duration_s {p.press.duration_s} != {fact['duration_s']}")
        if "both_sides" in fact and p.press.both_sides != fact["both_sides"]:
            errs.append(f"point {key}: both_sides {p.press.both_sides} != {fact['both_sides']}")
        if missing := set(fact.get("cautions", [])) - {x.kind.value for x in p.cautions}:
            errs.append(f"point {key}: no caution of kind {sorted(missing)}")
        if "pregnancy" in fact and p.pregnancy_contraindicated != fact["pregnancy"]:
            errs.append(f"point {key}: pregnancy_contraindicated is {p.pregnancy_contraindicated}")
        words(point_text(p))
        words(_norm(p.notes or ""), "notes")
    elif kind == "technique":
        t = c.techniques.get(key)
        if t is None:
            return [f"technique {key} missing"]
        sourced(t.sources)
        if "position" in fact and t.position.value != fact["position"]:
            errs.append(f"technique {key}: position {t.position.value} != {fact['position']}")
        if "needs_partner" in fact and t.needs_partner != fact["needs_partner"]:
            errs.append(f"technique {key}: needs_partner is {t.needs_partner}")
        words(_join([t.name, *t.aliases, *t.steps]))
    elif kind in ("routine", "script"):
        r = c.routines.get(key)
        if r is None:
            return [f"{kind} {key} missing"]
        want_kind = RoutineKind.SCRIPT if kind == "script" else RoutineKind.ACUPRESSURE
        if r.kind is not want_kind:
            errs.append(f"{kind} {key}: kind is {r.kind.value}")
        sourced(r.sources)
        points = [s.point for s in r.steps if s.point]
        if "points" in fact and not _subsequence(fact["points"], points):
            errs.append(f"{kind} {key}: points {fact['points']} not in order in {points}")
        if missing := set(fact.get("techniques", [])) - {s.technique for s in r.steps}:
            errs.append(f"{kind} {key}: techniques not used {sorted(missing)}")
        if "position" in fact and r.position.value != fact["position"]:
            errs.append(f"{kind} {key}: position {r.position.value} != {fact['position']}")
        if "steps" in fact and len(r.steps) != fact["steps"]:
            errs.append(f"{kind} {key}: {len(r.steps)} steps, want {fact['steps']}")
        for n, (step, want) in enumerate(zip(r.steps, fact.get("step_words", []), strict=False)):
            text = _join([step.title, *step.say, *step.release])
            if miss := _missing_words(text, want):
                errs.append(f"{kind} {key}: step {n + 1} ({step.id}) lacks {miss}")
        words(routine_text(r))
    elif kind == "tip":
        tip = next((t for t in c.tips if t.id == key), None)
        if tip is None:
            return [f"tip {key} missing"]
        sourced(tip.sources)
        if "category" in fact and tip.category.value != fact["category"]:
            errs.append(f"tip {key}: category {tip.category.value} != {fact['category']}")
        words(_norm(tip.text))
    else:
        value = getattr(c.safety, key, None)
        if not value:
            return [f"safety.{key} missing"]
        sourced(c.safety.sources)
        words(_join(value if isinstance(value, list) else [value]))
    return errs


def all_problems(c: Content) -> list[str]:
    return [f"{_fact_id(s, i, f)}: {e}" for s, i, f in FACTS for e in check_fact(c, s, f)]


@pytest.fixture(scope="module")
def content() -> Content:
    return default_content()


@pytest.mark.parametrize(("seed", "i", "fact"), FACTS, ids=[_fact_id(*f) for f in FACTS])
def test_seed_fact_is_in_content(content: Content, seed: str, i: int, fact: dict) -> None:
    assert check_fact(content, seed, fact) == [], fact["fact"]


def test_every_seed_has_facts() -> None:
    assert list(DATA["seeds"]) == list(SEED_FILES)
    for seed in SEED_FILES:
        assert len(DATA["seeds"][seed]) >= 5, seed


def test_every_point_comes_from_a_seed_fact(content: Content) -> None:
    named = {f["point"] for _, _, f in FACTS if "point" in f}
    named |= {p for _, _, f in FACTS for p in f.get("points", [])}
    assert named == set(content.points)


def test_every_routine_and_technique_comes_from_a_seed_fact(content: Content) -> None:
    routines = {f.get("routine") or f.get("script") for _, _, f in FACTS} - {None}
    assert set(content.routines) - {"full_routine"} <= routines
    techniques = {f["technique"] for _, _, f in FACTS if "technique" in f}
    techniques |= {t for _, _, f in FACTS for t in f.get("techniques", [])}
    assert set(content.techniques) == techniques


def test_full_routine_combines_every_point(content: Content) -> None:
    full = content.routines["full_routine"]
    assert {s.point for s in full.steps if s.point} == set(content.points)
    assert set(full.sources) >= set(SEED_FILES)


def test_hold_default_is_about_one_minute() -> None:
    # Seeds 001 and 004: about one minute per point; seed 003: one to two minutes.
    assert HOLD_DEFAULT_S == 60


def test_routine_steps_hold_or_pause(content: Content) -> None:
    for r in content.routines.values():
        for s in r.steps:
            assert s.hold or s.pause_s, f"{r.id}.{s.id}: neither hold nor pause"
            if s.point and r.kind is RoutineKind.ACUPRESSURE:
                assert s.hold, f"{r.id}.{s.id}: pressing a point should use the user's hold time"
        if r.kind is RoutineKind.SCRIPT:
            assert all(s.pause_s and 20 <= s.pause_s <= 45 for s in r.steps), r.id


def test_sides_switch_left_then_right(content: Content) -> None:
    for rid in ("hand_and_ankle", "full_routine"):
        sides = [s.side.value for s in content.routines[rid].steps if s.side.value in ("left", "right")]
        # Blocks of left then right, never right first.
        assert sides and sides[0] == "left", rid
        switches = [s for s in content.routines[rid].steps if s.id.startswith("switch")]
        assert all("switch sides" in _join(s.say) for s in switches), rid
        assert len(switches) >= 2, rid


# --- DESIGN.md: pregnancy -----------------------------------------------------------------

def test_design_pregnancy_points_are_contraindicated(content: Content) -> None:
    design = DATA["design"]
    for pid in design["pregnancy_points_in_content"]:
        assert pid in content.points, pid
    for pid in design["pregnancy_points"]:
        p = content.points.get(pid)
        if p is not None:
            assert p.pregnancy_contraindicated, pid
            assert p.pregnancy_caution is not None and "pregnan" in p.pregnancy_caution.text.lower(), pid
    flagged = {p.id for p in content.points.values() if p.pregnancy_contraindicated}
    assert flagged <= set(design["pregnancy_points"]), flagged


def test_steps_naming_a_pregnancy_point_are_skippable(content: Content) -> None:
    """A step that speaks of a contraindicated point must name one as its point, so it is skipped."""
    avoided = {p.id: p for p in content.points.values() if p.pregnancy_contraindicated}
    names = [(pid, _norm(p.name)) for pid, p in avoided.items()]
    for r in content.routines.values():
        for s in r.steps:
            text = _join(s.say)
            for pid, name in names:
                if re.search(rf"\b{re.escape(name)}\b", text):
                    assert s.point in avoided, f"{r.id}.{s.id} mentions {pid} but its point is {s.point}"
            if s.technique == "ankle_pinch":
                assert s.point == "BL60", f"{r.id}.{s.id}: pressing both ankle points includes BL60"


def test_pregnancy_texts(content: Content) -> None:
    s = content.safety
    assert s.pregnancy_skip and "pregnan" in s.pregnancy_skip.lower()
    text = _join(s.pregnancy)
    assert "before using acupressure" in text and "traditionally avoided" in text


# --- DESIGN.md: red flags -----------------------------------------------------------------

def test_design_red_flags_are_covered(content: Content) -> None:
    design = DATA["design"]
    flags = {f.id: f for f in content.safety.red_flags}
    assert set(flags) == set(design["red_flags"])
    for fid, want in design["red_flags"].items():
        f = flags[fid]
        assert f.emergency is want["emergency"], fid
        assert not _missing_words(_norm(f.description), want["words"]), (fid, f.description)
        assert len(set(map(_norm, f.phrases))) >= design["red_flag_min_phrases"], fid
        assert set(design["red_flag_sources"]) <= set(f.sources), fid
        if want["emergency"]:
            assert set(design["emergency_sources"]) <= set(f.sources), fid


def test_red_flag_phrases_are_distinct_across_flags(content: Content) -> None:
    seen: dict[str, str] = {}
    for f in content.safety.red_flags:
        for phrase in f.phrases:
            key = _norm(phrase)
            assert seen.setdefault(key, f.id) == f.id, f"{phrase!r} in {seen[key]} and {f.id}"


def test_emergency_reply(content: Content) -> None:
    assert not _missing_words(_join(content.safety.emergency_reply), DATA["design"]["emergency_reply_words"])


# --- Own words, no marketing, no cure claims -------------------------------------------------

def test_no_marketing_anywhere(content: Content) -> None:
    for path in sorted(content.directory.glob("*.yaml")):
        text = path.read_text(encoding="utf-8").lower()
        for word in DATA["forbidden"]["marketing"]:
            assert word not in text, f"{path.name}: {word!r}"


def test_no_cure_claims_in_spoken_text(content: Content) -> None:
    for line in spoken_texts(content):
        for word in DATA["forbidden"]["claims"]:
            assert not re.search(rf"\b{re.escape(word)}\b", line, re.I), f"{word!r} in {line!r}"


def test_traditional_explanations_are_attributed(content: Content) -> None:
    for line in spoken_texts(content):
        if re.search(r"\b(energy|qi|kidneys?|meridian|channel)\b", line, re.I) and not re.search(
                r"\bkidney \d\b", line, re.I):
            assert re.search(r"chinese medicine|traditionally", line, re.I), line


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", _norm(text))


@pytest.mark.skipif(not SEEDS_DIR.is_dir(), reason="seed texts not available")
def test_no_seed_sentence_copied(content: Content) -> None:
    """No run of eight words from a seed text appears in anything spoken."""
    n = 8
    grams: set[tuple[str, ...]] = set()
    for seed in SEED_FILES:
        w = _words((SEEDS_DIR / seed).read_text(encoding="utf-8"))
        grams |= {tuple(w[i:i + n]) for i in range(len(w) - n + 1)}
    for line in spoken_texts(content):
        w = _words(line)
        for i in range(len(w) - n + 1):
            assert tuple(w[i:i + n]) not in grams, f"copied from a seed: {' '.join(w[i:i + n])!r} in {line!r}"


# --- The checks can fail ------------------------------------------------------------------

def _without_point(c: Content, pid: str) -> Content:
    return dataclasses.replace(c, points={k: v for k, v in c.points.items() if k != pid})


def _with_routine(c: Content, rid: str, **update) -> Content:
    return dataclasses.replace(c, routines={**c.routines, rid: dataclasses.replace(c.routines[rid], **update)})


MUTATIONS = [
    ("point deleted", lambda c: _without_point(c, "BL53"), "point BL53 missing"),
    ("seed dropped from sources",
     lambda c: dataclasses.replace(c, points={**c.points, "KI3": dataclasses.replace(
         c.points["KI3"], sources=["003_78d34e94d7f04144.txt"])}), "002_55eaf6997b57023a.txt not in its sources"),
    ("complaint untagged",
     lambda c: dataclasses.replace(c, points={**c.points, "SI3": dataclasses.replace(
         c.points["SI3"], complaints=c.points["SI3"].complaints[1:])}), "complaints not tagged ['acute']"),
    ("routine order reversed",
     lambda c: _with_routine(c, "seated_lower_back", steps=list(reversed(c.routines["seated_lower_back"].steps))),
     "points ['BL52', 'BL23'] not in order"),
    ("script step lost",
     lambda c: _with_routine(c, "mindfulness", steps=c.routines["mindfulness"].steps[:-1]), "7 steps, want 8"),
    ("tip deleted", lambda c: dataclasses.replace(c, tips=[t for t in c.tips if t.id != "after_lunch"]),
     "tip after_lunch missing"),
    ("wording lost",
     lambda c: dataclasses.replace(c, safety=dataclasses.replace(c.safety, pregnancy=["Be careful."])),
     "safety pregnancy: words not found"),
]


@pytest.mark.parametrize(("name", "mutate", "message"), MUTATIONS, ids=[m[0] for m in MUTATIONS])
def test_checks_catch_missing_content(content: Content, name: str, mutate, message: str) -> None:
    assert all_problems(content) == []
    problems = all_problems(mutate(content))
    assert any(message in p for p in problems), "\n".join(problems) or "no problems found"


def test_pregnancy_check_catches_uncontraindicated_point(content: Content) -> None:
    li4 = dataclasses.replace(content.points["LI4"], pregnancy_contraindicated=False, cautions=[])
    broken = dataclasses.replace(content, points={**content.points, "LI4": li4})
    problems = all_problems(broken)
    assert any("pregnancy_contraindicated is False" in p for p in problems)
    assert any("no caution of kind ['pregnancy']" in p for p in problems)
    assert CautionKind.PREGNANCY.value == "pregnancy"
