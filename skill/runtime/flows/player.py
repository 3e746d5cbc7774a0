"""Play, pause, resume: a routine as long-form AudioPlayer streams, or as spoken turns where it cannot play.

State lives in the user's profile (AudioPlayer events carry no session): the saved routine's index
follows the player, a pause saves the offset, and resuming rewinds a little.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils.request_util import get_supported_interfaces
from ask_sdk_model.response import Response

from skill.runtime import engine
from skill.runtime.content.models import Routine
from skill.runtime.engine import Delivery, Move, RoutineState, Status
from skill.runtime.errors import AudioUnavailable, NoRoutineInProgress
from skill.runtime.flows.closing import close_later, close_routine
from skill.runtime.flows.stepping import continue_routine, routine_of
from skill.runtime.flows.turn import SPEAKABLE, Deps, ongoing, profile, request_type, set_profile
from skill.runtime.manifest import Entry
from skill.runtime.persistence import Profile
from skill.runtime.records import record
from skill.runtime.speech import Speech
from skill.runtime.streams import (
    Notices,
    Token,
    notice_clips,
    play_directive,
    playable,
    resume_offset,
    step_entry,
    stop_directives,
    stream_url,
    token_for,
)

log = logging.getLogger(__name__)


@record(frozen=True)
class UnderWay:
    """A routine under way that the content still knows, with the profile it belongs to."""

    prof: Profile
    state: RoutineState
    routine: Routine


@record(frozen=True)
class Playable:
    """One stream to play: a routine step's file, or a notice clip naming a left-out point."""

    entry: Entry
    token: Token
    subtitle: str


def notices_of(deps: Deps) -> Notices:
    """The rendered clips naming each point avoided in pregnancy (none when they are not rendered)."""
    names = {p.id: p.name for p in deps.content.points.values() if p.pregnancy_contraindicated}
    key = "pregnancy_skipped_here"  # the wording dialog mode says at that step, one clip per point
    templates = deps.prompts.variants(key) if deps.prompts.has(key) else []
    return notice_clips(deps.manifest, templates, names)


def stream_of(deps: Deps, routine: Routine, state: RoutineState, notices: Notices | None = None) -> Playable | None:
    """What plays at the saved place (the step, or the notice after it), if it is rendered."""
    version = deps.content.version
    if state.notice is None:
        entry = step_entry(deps.manifest, routine, state)
        if entry is None:
            return None
        return Playable(entry, token_for(version, routine, state), engine.plan_step(routine, state).step.title)
    notices = notices if notices is not None else notices_of(deps)
    clip = notices.entry(routine, state, state.index, state.notice)
    left_out = notices.step_id(routine, state, state.index, state.notice)
    if clip is None or left_out is None:
        return None
    return Playable(clip, Token(version, routine.id, state.index, left_out, None, state.notice), clip.text)


def following(routine: Routine, state: RoutineState, notices: Notices) -> tuple[int, int | None] | None:
    """The stream after the current one: the next notice after this step, else the next step; None at the end."""
    named = len(notices.after(routine, state, state.index))
    upcoming = 0 if state.notice is None else state.notice + 1
    if upcoming < named:
        return state.index, upcoming
    if state.index + 1 < state.total:
        return state.index + 1, None
    return None


def supports_audio(hi: HandlerInput) -> bool:
    """The device can play long-form audio (context.System.device.supportedInterfaces.AudioPlayer)."""
    try:
        return get_supported_interfaces(hi).audio_player is not None
    except AttributeError:
        return False


def under_way(deps: Deps, hi: HandlerInput) -> UnderWay | None:
    """The user's routine under way (either delivery), if the content still knows it."""
    prof = profile(hi)
    state = ongoing(prof)
    routine = routine_of(deps, state) if state else None
    return UnderWay(prof, state, routine) if state and routine else None


def saved(deps: Deps, hi: HandlerInput) -> UnderWay | None:
    """The user's routine in AudioPlayer mode, if there is one the content still knows."""
    cur = under_way(deps, hi)
    return cur if cur is not None and cur.state.delivery is Delivery.AUDIO_PLAYER else None


def in_audio_mode(deps: Deps, hi: HandlerInput) -> bool:
    return supports_audio(hi) and saved(deps, hi) is not None


def can_play(deps: Deps, hi: HandlerInput, routine: Routine, state: RoutineState) -> bool:
    """This device plays long-form audio and every step of this routine is rendered."""
    return supports_audio(hi) and playable(deps.manifest, deps.audio_base_url, routine, state)


def player_offset(deps: Deps, hi: HandlerInput, state: RoutineState) -> int:
    """Where the player is in the current step (context.AudioPlayer), else the last saved offset."""
    player = getattr(hi.request_envelope.context, "audio_player", None)
    token = Token.parse(getattr(player, "token", None))
    if token and token.current(deps.content.version) and token.matches(state) and token.at(state):
        return int(getattr(player, "offset_in_milliseconds", 0) or 0)
    return state.offset_ms


def stop_player(hi: HandlerInput) -> None:
    """Stop what is playing and forget anything queued."""
    for d in stop_directives():
        hi.response_builder.add_directive(d)


def play_step(deps: Deps, hi: HandlerInput, prof: Profile, routine: Routine, state: RoutineState, *,
              offset_ms: int = 0, speech: Speech | None = None) -> Response:
    """Replace whatever plays with this step of the routine (or the notice after it), from `offset_ms`."""
    stream = stream_of(deps, routine, state)
    if stream is None and state.notice is not None:
        # The notice's clip is gone (audio re-rendered without it): go on as if it had played.
        state = engine.next_step(state) if not state.at_end else engine.repeat(replace(state, notice=None))
        offset_ms = 0
        stream = stream_of(deps, routine, state)
    if stream is None or not deps.audio_base_url:
        raise AudioUnavailable()
    state = replace(state, status=Status.ACTIVE, offset_ms=offset_ms, queued=None, queued_notice=None,
                    delivery=Delivery.AUDIO_PLAYER)
    set_profile(hi, replace(prof, progress=state, last_routine_id=routine.id))
    rb = hi.response_builder
    rb.add_directive(play_directive(url=stream_url(deps.audio_base_url, stream.entry), token=stream.token.encode(),
                                    offset_ms=offset_ms, title=routine.name, subtitle=stream.subtitle,
                                    art_base=deps.audio_base_url))
    if request_type(hi) in SPEAKABLE:
        if speech:
            rb.speak(speech.ssml())
        rb.set_should_end_session(True)
    return rb.response


def start_playing(deps: Deps, hi: HandlerInput, routine: Routine, state: RoutineState,
                  speech: Speech | None = None) -> Response:
    """Start a fresh routine as long-form audio (the caller checked it is playable)."""
    return play_step(deps, hi, profile(hi), routine, replace(state, delivery=Delivery.AUDIO_PLAYER),
                     speech=speech)


def replay_step(deps: Deps, hi: HandlerInput, speech: Speech) -> Response | None:
    """In AudioPlayer mode, say `speech` and play the current step from its start; None in dialog mode."""
    cur = saved(deps, hi) if supports_audio(hi) else None
    if cur is None:
        return None
    return play_step(deps, hi, cur.prof, cur.routine, cur.state, speech=speech)


def resume_playing(deps: Deps, hi: HandlerInput, speech: Speech | None = None) -> Response:
    """Play the saved step again from a little before where it stopped."""
    cur = saved(deps, hi)
    if cur is None:
        raise NoRoutineInProgress()
    stream = stream_of(deps, cur.routine, cur.state)
    offset = resume_offset(cur.state.offset_ms, stream.entry.duration_ms if stream else None)
    return play_step(deps, hi, cur.prof, cur.routine, cur.state, offset_ms=offset, speech=speech)


def resume_routine(deps: Deps, hi: HandlerInput) -> Response:
    """'Yes, carry on': play from the saved place if this device can, else talk through the step."""
    cur = saved(deps, hi)
    if cur is not None and can_play(deps, hi, cur.routine, cur.state):
        return resume_playing(deps, hi, speech=deps.say("step_resume"))
    return continue_routine(deps, hi, Move.RESUME)


def finish_playing(deps: Deps, hi: HandlerInput, cur: UnderWay) -> Response:
    """The routine is over: stop the player; close by voice if a session is open, else at next launch."""
    stop_player(hi)
    if request_type(hi) == "IntentRequest":
        return close_routine(deps, hi, cur.routine)
    close_later(hi, cur.prof, cur.routine)
    return hi.response_builder.response


def move_playing(deps: Deps, hi: HandlerInput, how: Move) -> Response:
    """Apply a navigation move and play the step it lands on."""
    cur = saved(deps, hi)
    if cur is None:
        raise NoRoutineInProgress()
    state = cur.state
    if state.notice is not None and how in (Move.NEXT, Move.SKIP):
        new = engine.next_step(state)  # past the notice: the next step the routine keeps
    elif state.notice is not None and how is Move.PREVIOUS:
        new = engine.repeat(replace(state, notice=None))  # the step before the notice
    else:
        new = engine.move(state, how)
        if how in (Move.NEXT, Move.SKIP) and notices_of(deps).after(cur.routine, state, state.index):
            # Where points were left out, their notices play before the next step (as in dialog mode).
            new = replace(new, index=state.index, status=Status.ACTIVE, notice=0)
    if new.status is Status.FINISHED:
        return finish_playing(deps, hi, cur)
    return play_step(deps, hi, cur.prof, cur.routine, new)


def pause_playing(deps: Deps, hi: HandlerInput) -> Response:
    """Stop the player and keep the place (the offset comes from the player's own report)."""
    cur = saved(deps, hi)
    if cur is None:
        raise NoRoutineInProgress()
    offset = player_offset(deps, hi, cur.state)
    set_profile(hi, replace(cur.prof, progress=engine.pause(cur.state, offset)))
    stop_player(hi)
    return hi.response_builder.response


def hold_still(deps: Deps, hi: HandlerInput) -> None:
    """Pause the player if a routine plays here, so the user can answer; nothing in dialog mode."""
    if in_audio_mode(deps, hi):
        pause_playing(deps, hi)


def stop_routine(hi: HandlerInput) -> None:
    """The routine is over, not paused (a red flag): stop the player and keep nothing to carry on."""
    if supports_audio(hi):
        stop_player(hi)
    set_profile(hi, replace(profile(hi), progress=None, close_pending=None))


# ---- AudioPlayer events. Devices send them in different orders (Echo Show: NearlyFinished right after
# Started; short clips: Finished before NearlyFinished), and retried or late copies arrive after the
# player moved on. The saved place names the step that plays; an event about any other step is late.


def is_current(token: Token, state: RoutineState) -> bool:
    """The event is about the stream (step or notice) the saved place names."""
    return token.at(state)


def is_queued_next(token: Token, state: RoutineState) -> bool:
    """The event is about the stream we queued behind the current one (it started before Finished arrived)."""
    return token.at_queued(state)


def plays_here(state: RoutineState) -> bool:
    """The saved routine is meant to be playing now (not paused, not carried on by voice)."""
    return state.status is Status.ACTIVE and state.delivery is Delivery.AUDIO_PLAYER


def streamable(deps: Deps, routine: Routine, state: RoutineState) -> bool:
    """The current step (or notice) of `state` has rendered audio and somewhere to stream it from."""
    return bool(deps.audio_base_url) and stream_of(deps, routine, state) is not None


def late(hi: HandlerInput, token: Token, state: RoutineState) -> None:
    """An event about a step the player already left: note it (positions only, nothing personal)."""
    log.info("ignoring %s for step %d: step %d is current", request_type(hi), token.index, state.index)


def stream_started(hi: HandlerInput, cur: UnderWay, token: Token, offset_ms: int) -> None:
    """A stream started: the queued step becomes current; a repeat of the current one keeps what is queued."""
    state = cur.state
    if is_current(token, state):
        set_profile(hi, replace(cur.prof, progress=replace(engine.resume(state), offset_ms=max(0, offset_ms))))
    elif is_queued_next(token, state):
        set_profile(hi, replace(cur.prof, progress=engine.playing(state, token.index, offset_ms, token.notice)))
    else:
        late(hi, token, state)


def enqueue_next(deps: Deps, hi: HandlerInput, cur: UnderWay, after: str) -> None:
    """Queue the stream after the current one (a notice, or the next step), once, behind the stream `after`."""
    notices = notices_of(deps)
    nxt = following(cur.routine, cur.state, notices)
    if nxt is None or (cur.state.queued, cur.state.queued_notice) == nxt:
        return
    stream = stream_of(deps, cur.routine, replace(cur.state, index=nxt[0], notice=nxt[1]), notices)
    if stream is None or not deps.audio_base_url:
        return
    hi.response_builder.add_directive(play_directive(
        url=stream_url(deps.audio_base_url, stream.entry), token=stream.token.encode(),
        title=cur.routine.name, subtitle=stream.subtitle, after=after, art_base=deps.audio_base_url))
    set_profile(hi, replace(cur.prof, progress=engine.enqueued(cur.state, *nxt)))


def stream_nearly_finished(deps: Deps, hi: HandlerInput, cur: UnderWay, token: Token, raw_token: str) -> None:
    """Queue the following step once, and only behind the current stream (a late copy would queue it twice)."""
    if not is_current(token, cur.state):
        late(hi, token, cur.state)
    elif plays_here(cur.state):
        enqueue_next(deps, hi, cur, after=raw_token)


def stream_finished(deps: Deps, hi: HandlerInput, cur: UnderWay, token: Token) -> None:
    """A step played to its end: go on to the next, playing it now if nothing is queued; after the last, close."""
    state = cur.state
    if not is_current(token, state):
        late(hi, token, state)
        return
    after = following(cur.routine, state, notices_of(deps))
    if after is None:
        close_later(hi, cur.prof, cur.routine)  # the routine is over; its close waits for the next launch
        return
    nxt = engine.playing(state, after[0], notice=after[1])
    if plays_here(state) and (state.queued, state.queued_notice) == after:
        set_profile(hi, replace(cur.prof, progress=nxt))  # the device goes on to what we queued
    elif plays_here(state) and streamable(deps, cur.routine, nxt):
        # Finished came before NearlyFinished (short clips), so nothing is queued: play the next step now.
        play_step(deps, hi, cur.prof, cur.routine, nxt)
    else:
        # Paused as it ended (the pause cleared the queue), or the audio is gone: keep the next step for
        # "resume" and play nothing.
        set_profile(hi, replace(cur.prof, progress=engine.pause(nxt)))


def stream_stopped(hi: HandlerInput, cur: UnderWay, token: Token, offset_ms: int) -> None:
    """Playback stopped (pause, interruption): keep exactly where, unless it is a stream we already left."""
    if is_current(token, cur.state):
        set_profile(hi, replace(cur.prof, progress=engine.pause(cur.state, offset_ms)))
    else:
        late(hi, token, cur.state)


def record_failure(hi: HandlerInput, token: Token | None, offset_ms: int) -> None:
    """Playback failed: keep the place it reached and tell the user next time (never retry: no loops)."""
    prof = profile(hi)
    state = ongoing(prof)
    progress = prof.progress
    if state is not None and token is not None and token.matches(state):
        at = engine.playing(state, token.index)
        if token.notice is not None:
            # A notice failed: the place is the next step (spoken turns next time never repeat the last one).
            at, offset_ms = (at if at.at_end else engine.next_step(at)), 0
        progress = engine.pause(at, offset_ms)
    set_profile(hi, replace(prof, progress=progress, playback_failed=True))


def failure_told(hi: HandlerInput, prof: Profile) -> Profile:
    """The failed playback has been told: the saved place goes on as spoken turns so it never loops."""
    progress = replace(prof.progress, delivery=Delivery.DIALOG) if prof.progress else None
    prof = replace(prof, playback_failed=False, progress=progress)
    set_profile(hi, prof)
    return prof
