"""Finding a point, one thing at a time: where it is with one cue, the offer to walk through finding it,
then the find steps one per turn (next, repeat, back), then how to press it and its cautions.

Someone lying down with eyes closed remembers one instruction at a time, so a look-up never reads the
whole point out at once. The walk lives in the session only while it is the last thing said: any
other reply (a routine step, help, another point) ends it, so 'next' goes back to what it meant before.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model.response import Response

from skill.runtime.content.models import Caution, Point
from skill.runtime.digest import hexdigest
from skill.runtime.flows.turn import Deps, SessionKey, has_session, ongoing, profile, reply, session_get
from skill.runtime.records import record
from skill.runtime.speech import Speech

# Most words one walk page may carry (the prompt after it keeps the reply within 40 words).
PAGE_WORDS = 30
# The first reply: name, where it is and one cue, before the offer (the offer is its question).
LOOKUP_WORDS = 40
OFFERED = -1

_SENTENCE = re.compile(r"(?<=[.!?])\s+")


class FindKey(StrEnum):
    """The session attribute holding the walk: {point, page, said}."""

    FINDING = "finding"


class Walk(StrEnum):
    """How the user moves through the walk."""

    NEXT = "next"
    BACK = "back"
    REPEAT = "repeat"
    START_OVER = "start_over"


@record(frozen=True)
class Finding:
    """The point being found and the page reached (OFFERED: the walk is offered, not begun)."""

    point_id: str
    page: int


def fingerprint(ssml: str) -> str:
    """What ties the walk to the reply that said it (the walk is on only while that is the last reply)."""
    return hexdigest(ssml, 16)


def current(hi: HandlerInput) -> Finding | None:
    """The walk under way, if its reply is still the last thing said in this session."""
    data = session_get(hi, SessionKey.LAST_SPEECH)
    if not has_session(hi) or not data:
        return None
    walk: Any = (hi.attributes_manager.session_attributes or {}).get(FindKey.FINDING.value)
    if not isinstance(walk, dict) or walk.get("said") != fingerprint(str(data)):
        return None
    point_id, page = walk.get("point"), walk.get("page")
    if not isinstance(point_id, str) or not isinstance(page, int):
        return None
    return Finding(point_id, page)


def _remember(hi: HandlerInput, finding: Finding | None, speech: Speech) -> None:
    attrs = hi.attributes_manager.session_attributes if has_session(hi) else None
    if attrs is None:
        return
    if finding is None:
        attrs.pop(FindKey.FINDING.value, None)
    else:
        attrs[FindKey.FINDING.value] = {"point": finding.point_id, "page": finding.page,
                                        "said": fingerprint(speech.ssml())}


def words_in(text: str) -> int:
    return len(text.split())


def sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE.split(text.strip()) if s]


def pack(lead: str, lines: list[str], limit: int = PAGE_WORDS) -> list[list[str]]:
    """Sentences gathered into pages of at most `limit` words (a longer sentence stands alone)."""
    pages: list[list[str]] = []
    page: list[str] = [lead] if lead else []
    for line in (s for text in lines for s in sentences(text)):
        if page and words_in(" ".join([*page, line])) > limit and page != [lead]:
            pages.append(page)
            page = []
        page.append(line)
    if page and page != [lead]:
        pages.append(page)
    return pages


def avoided_in_pregnancy(point: Point) -> bool:
    return point.pregnancy_contraindicated or point.pregnancy_caution is not None


def pages_of(deps: Deps, point: Point, pregnant: bool) -> list[list[str]]:
    """The walk: each find step alone, then how to press and each caution, in ear-sized pages.
    A pregnant user is not coached to press a point traditionally avoided in pregnancy."""
    p = deps.prompts
    pages = [[step] for step in point.find_steps]
    if pregnant and avoided_in_pregnancy(point):
        return pages
    pages += pack(p.say("point_press"), list(point.press.steps))
    lead: Caution | None = point.pregnancy_caution if pregnant else None
    for caution in point.cautions:
        if caution is not lead:
            pages += pack(p.say("point_caution"), [caution.text])
    return pages


def followup(deps: Deps, hi: HandlerInput) -> Speech:
    """What to say next: back to the routine if one is going."""
    return deps.say("followup_in_routine" if ongoing(profile(hi)) else "point_followup")


def look_up(deps: Deps, hi: HandlerInput, point: Point) -> Response:
    """Where the point is, with one cue to find it, then the offer to walk through finding it."""
    p = deps.prompts
    pregnant = profile(hi).pregnant
    speech = Speech()
    if pregnant and avoided_in_pregnancy(point):
        lead = point.pregnancy_caution
        speech.text(p.say("point_pregnancy_lead"), lead.text if lead else deps.content.safety.pregnancy_skip)
    # One cue: the first find step, or its first sentence; the other name gives way to make room for it.
    # A location long enough to leave no room is a cue in itself (the walk-through has the rest).
    first = point.find_steps[0]
    intros = (p.say("point_intro", name=point.name, pinyin=point.pinyin), p.say("point_intro_short", name=point.name))
    said = next(([intro, point.location, cue] for intro in intros for cue in (first, sentences(first)[0])
                 if words_in(" ".join([intro, point.location, cue])) <= LOOKUP_WORDS),
                [intros[0], point.location])
    speech.text(*said)
    speech.text(p.say("find_offer"))
    _remember(hi, Finding(point.id, OFFERED), speech)
    return reply(hi, speech, deps.say("find_offer_reprompt"))


def speak_page(deps: Deps, hi: HandlerInput, point: Point, page: int, prefix: str | None = None) -> Response:
    """One page of the walk; the last one ends the walk with what to say next."""
    pages = pages_of(deps, point, profile(hi).pregnant)
    page = max(0, min(page, len(pages) - 1))
    speech = Speech()
    if prefix:
        speech.text(prefix)
    speech.text(*pages[page])
    if page == len(pages) - 1:
        more = followup(deps, hi)
        speech.extend(more)
        _remember(hi, None, speech)
        return reply(hi, speech, more)
    speech.text(deps.prompts.say("find_step_prompt"))
    _remember(hi, Finding(point.id, page), speech)
    return reply(hi, speech, deps.say("find_step_reprompt"))


def answer_offer(deps: Deps, hi: HandlerInput, yes: bool) -> Response | None:
    """Yes/no to 'want me to walk you through finding it?', if that was just asked, or a yes to going on
    with the walk (None otherwise)."""
    finding = current(hi)
    point = deps.content.points.get(finding.point_id) if finding is not None else None
    if finding is None or point is None:
        return None
    if finding.page != OFFERED:
        # 'Yes' to 'say next when you're ready' means go on; a 'no' there answers nothing asked.
        return move(deps, hi, Walk.NEXT) if yes else None
    if yes:
        return speak_page(deps, hi, point, 0, deps.prompts.say("find_start"))
    speech = deps.say("find_declined")
    more = followup(deps, hi)
    _remember(hi, None, speech)
    return reply(hi, speech.extend(more), more)


def walking(hi: HandlerInput) -> bool:
    """A walk is under way (begun, not just offered)."""
    finding = current(hi)
    return finding is not None and finding.page != OFFERED


def move(deps: Deps, hi: HandlerInput, how: Walk) -> Response | None:
    """Next, back, repeat or start over within the walk under way (None if there is none)."""
    finding = current(hi)
    point = deps.content.points.get(finding.point_id) if finding is not None else None
    if finding is None or point is None or finding.page == OFFERED:
        return None
    p = deps.prompts
    if how is Walk.NEXT:
        return speak_page(deps, hi, point, finding.page + 1)
    if how is Walk.BACK:
        if finding.page == 0:
            return speak_page(deps, hi, point, 0, p.say("step_already_first"))
        return speak_page(deps, hi, point, finding.page - 1)
    if how is Walk.START_OVER:
        return speak_page(deps, hi, point, 0, p.say("step_start_over"))
    return speak_page(deps, hi, point, finding.page)
