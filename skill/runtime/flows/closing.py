"""The end of a routine: its outro, a tip, and (until answered) the offer of a daily reminder."""

from __future__ import annotations

from dataclasses import replace

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model.response import Response

from skill.runtime.content.models import Routine
from skill.runtime.flows.turn import Deps, Pending, SessionKey, pending, profile, reply, session_set, set_profile
from skill.runtime.persistence import Profile
from skill.runtime.speech import Speech

# Most words a reply says before its question (Alexa's design guide: one breath, about 40 words).
BREATH_WORDS = 40


def wants_offer(prof: Profile) -> bool:
    """Offer a reminder until the user has one or has said no."""
    return prof.reminder is None and not prof.reminder_declined


def words_in(text: str) -> int:
    return len(text.split())


def add_tip(deps: Deps, speech: Speech, said: int) -> Speech:
    """One tip from the content that still fits the breath after the `said` words before it (a longer
    tip, such as the one on heat with its cautions, is left to the routines that speak it themselves)."""
    p = deps.prompts
    intro = p.say("tip_intro")
    room = BREATH_WORDS - said - words_in(intro)
    fitting = [t for t in deps.content.tips if words_in(t.text) <= room]
    if fitting:
        speech.text(intro, p.rng.choice(fitting).text)
    return speech


def offer_reminder(deps: Deps, hi: HandlerInput, speech: Speech) -> Speech | None:
    """Add the reminder offer while it is still open and wait for the answer: its reprompt, else None."""
    if not wants_offer(profile(hi)):
        return None
    speech.text(deps.prompts.say("reminder_offer"))
    session_set(hi, SessionKey.PENDING, Pending.REMINDER_OFFER.value)
    return deps.say("reminder_offer_reprompt")


def close_routine(deps: Deps, hi: HandlerInput, routine: Routine) -> Response:
    """The last step is done: forget the place, say the outro and a tip, then offer a reminder or end."""
    set_profile(hi, replace(profile(hi), progress=None, last_routine_id=routine.id))
    # The ending is said once: the routine's own closing words (or, without any, that it has ended),
    # then a word about getting up that does not announce the end again.
    p = deps.prompts
    ended = [] if routine.outro else [p.say("routine_ended", name=routine.name)]
    done = p.say("routine_done")
    speech = Speech().text(*(routine.outro or ended), done)
    # The outro is the routine's own recorded words; what the skill adds after it keeps to one breath.
    reprompt = offer_reminder(deps, hi, add_tip(deps, speech, words_in(" ".join([*ended, done]))))
    if reprompt is None:
        return reply(hi, speech, end=True)
    return reply(hi, speech, reprompt)


def close_later(hi: HandlerInput, prof: Profile, routine: Routine) -> None:
    """A routine ended while playing, with no session to speak in: its close waits for the next launch."""
    set_profile(hi, replace(prof, progress=None, last_routine_id=routine.id, close_pending=routine.id))


def closed_while_playing(deps: Deps, prof: Profile) -> Routine | None:
    """The routine whose close is waiting for this launch, if the content still has it."""
    return deps.content.routines.get(prof.close_pending) if prof.close_pending else None


def close_at_launch(deps: Deps, hi: HandlerInput, routine: Routine, speech: Speech) -> Speech:
    """Say the waiting close (a tip, the reminder offer or what to say next); returns the reprompt."""
    p = deps.prompts
    set_profile(hi, replace(profile(hi), close_pending=None))
    speech.text(p.say("welcome_back_finished", name=routine.name))
    reprompt = offer_reminder(deps, hi, add_tip(deps, speech, words_in(speech.plain_text())))
    if reprompt is None:
        speech.text(p.say("what_you_can_say"))
        reprompt = deps.say("what_you_can_say")
    return reprompt


def ask_reminder_time(deps: Deps, hi: HandlerInput) -> Response:
    """Which time of day: morning, after lunch or bedtime."""
    session_set(hi, SessionKey.PENDING, Pending.REMINDER_TIME.value)
    which = deps.say("reminder_which")
    return reply(hi, which, which)


def decline_reminder(deps: Deps, hi: HandlerInput) -> Response:
    """No reminder, and no more offers."""
    session_set(hi, SessionKey.PENDING, None)
    set_profile(hi, replace(profile(hi), reminder_declined=True))
    return reply(hi, deps.say("reminder_declined"), end=True)


def answer_reminder_offer(deps: Deps, hi: HandlerInput, yes: bool) -> Response | None:
    """Yes/no to a reminder question, if one is pending (None otherwise)."""
    if pending(hi) not in (Pending.REMINDER_OFFER, Pending.REMINDER_TIME):
        return None
    return ask_reminder_time(deps, hi) if yes else decline_reminder(deps, hi)
