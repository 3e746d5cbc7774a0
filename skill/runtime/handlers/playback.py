"""Hands-free routines on AudioPlayer devices: voice commands, PlaybackController buttons, playback events.

State lives in the user's profile (AudioPlayer events carry no session): the saved routine's index
follows PlaybackStarted/Finished, PlaybackStopped saves the offset, and resuming rewinds a little.
Events whose token is not ours, is stale (other content version) or names another step are ignored.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import get_supported_interfaces
from ask_sdk_model import Response

from skill.runtime import engine
from skill.runtime.content.models import Routine
from skill.runtime.engine import Delivery, Move, RoutineState, Status
from skill.runtime.errors import AudioUnavailable, NoRoutineInProgress
from skill.runtime.handlers.base import (
    Deps,
    IntentHandler,
    RequestTypeHandler,
    intent_name,
    profile,
    reply,
    request_type,
    set_profile,
    silent,
)
from skill.runtime.handlers.intents import Intent
from skill.runtime.handlers.reminders import close_routine
from skill.runtime.handlers.steps import finish_speech, routine_of
from skill.runtime.persistence import Profile
from skill.runtime.speech import Speech
from skill.runtime.streams import (
    Token,
    play_directive,
    playable,
    resume_offset,
    step_entry,
    stop_directives,
    stream_url,
    token_for,
)

log = logging.getLogger(__name__)

# Requests that open (or belong to) a spoken session; a Play directive then ends it.
SESSION_REQUESTS = ("LaunchRequest", "IntentRequest", "Connections.Response")


def supports_audio(hi: HandlerInput) -> bool:
    """The device can play long-form audio (context.System.device.supportedInterfaces.AudioPlayer)."""
    try:
        return get_supported_interfaces(hi).audio_player is not None
    except AttributeError:
        return False


@dataclass(frozen=True)
class Playing:
    """A routine in progress in AudioPlayer mode, with the profile it belongs to."""

    prof: Profile
    state: RoutineState
    routine: Routine


def saved(deps: Deps, hi: HandlerInput) -> Playing | None:
    """The user's routine in AudioPlayer mode, if there is one the content still knows."""
    prof = profile(hi)
    state = prof.progress
    if state is None or not state.in_progress or state.delivery is not Delivery.AUDIO_PLAYER:
        return None
    routine = routine_of(deps, state)
    return Playing(prof, state, routine) if routine else None


def in_audio_mode(deps: Deps, hi: HandlerInput) -> bool:
    return supports_audio(hi) and saved(deps, hi) is not None


def event_token(deps: Deps, hi: HandlerInput) -> Token | None:
    """The current-version token of an AudioPlayer event, or None."""
    token = Token.parse(getattr(hi.request_envelope.request, "token", None))
    if token is None or not token.current(deps.content.version):
        log.info("ignoring %s for a token that is not ours or is stale", request_type(hi))
        return None
    return token


def player_offset(deps: Deps, hi: HandlerInput, state: RoutineState) -> int:
    """Where the player is in the current step (context.AudioPlayer), else the last saved offset."""
    player = getattr(hi.request_envelope.context, "audio_player", None)
    token = Token.parse(getattr(player, "token", None))
    if token and token.current(deps.content.version) and token.matches(state) and token.index == state.index:
        return int(getattr(player, "offset_in_milliseconds", 0) or 0)
    return state.offset_ms


def play_step(deps: Deps, hi: HandlerInput, prof: Profile, routine: Routine, state: RoutineState, *,
              offset_ms: int = 0, speech: Speech | None = None) -> Response:
    """Replace whatever plays with this step of the routine, from `offset_ms`."""
    entry = step_entry(deps.manifest, routine, state)
    if entry is None or not deps.audio_base_url:
        raise AudioUnavailable()
    state = replace(state, status=Status.ACTIVE, offset_ms=offset_ms, queued=None, delivery=Delivery.AUDIO_PLAYER)
    set_profile(hi, replace(prof, progress=state, last_routine_id=routine.id))
    token = token_for(deps.content.version, routine, state)
    plan = engine.plan_step(routine, state)
    rb = hi.response_builder
    rb.add_directive(play_directive(url=stream_url(deps.audio_base_url, entry), token=token.encode(),
                                    offset_ms=offset_ms, title=routine.name, subtitle=plan.step.title))
    if speech and request_type(hi) in SESSION_REQUESTS:
        rb.speak(speech.ssml())
    if request_type(hi) in SESSION_REQUESTS:
        rb.set_should_end_session(True)
    return rb.response


def start_playing(deps: Deps, hi: HandlerInput, routine: Routine, state: RoutineState,
                  speech: Speech | None = None) -> Response:
    """Start a fresh routine as long-form audio (the caller checked it is playable)."""
    return play_step(deps, hi, profile(hi), routine, replace(state, delivery=Delivery.AUDIO_PLAYER),
                     speech=speech)


def can_play(deps: Deps, hi: HandlerInput, routine: Routine, state: RoutineState) -> bool:
    """This device plays long-form audio and every step of this routine is rendered."""
    return supports_audio(hi) and playable(deps.manifest, deps.audio_base_url, routine, state)


def resume_playing(deps: Deps, hi: HandlerInput, speech: Speech | None = None) -> Response:
    """Play the saved step again from a little before where it stopped."""
    cur = saved(deps, hi)
    if cur is None:
        raise NoRoutineInProgress()
    entry = step_entry(deps.manifest, cur.routine, cur.state)
    offset = resume_offset(cur.state.offset_ms, entry.duration_ms if entry else None)
    return play_step(deps, hi, cur.prof, cur.routine, cur.state, offset_ms=offset, speech=speech)


def resume_routine(deps: Deps, hi: HandlerInput) -> Response:
    """'Yes, carry on': play from the saved place if this device can, else talk through the step."""
    from skill.runtime.handlers.navigation import continue_routine

    prof = profile(hi)
    state = prof.progress
    if state is not None and state.in_progress and state.delivery is Delivery.AUDIO_PLAYER:
        routine = routine_of(deps, state)
        if routine is not None and can_play(deps, hi, routine, state):
            return resume_playing(deps, hi, speech=Speech().text(deps.prompts.say("step_resume")))
    return continue_routine(deps, hi, Move.RESUME)


def finish(deps: Deps, hi: HandlerInput, cur: Playing) -> Response:
    """The routine is over: stop the player; close by voice if a session is open, else at next launch."""
    rb = hi.response_builder
    for d in stop_directives():
        rb.add_directive(d)
    if request_type(hi) == "IntentRequest":
        set_profile(hi, replace(cur.prof, progress=None, last_routine_id=cur.routine.id))
        return close_routine(deps, hi, cur.routine, finish_speech(deps, cur.routine))
    set_profile(hi, replace(cur.prof, progress=None, last_routine_id=cur.routine.id,
                            close_pending=cur.routine.id))
    return rb.response


def move_playing(deps: Deps, hi: HandlerInput, how: Move) -> Response:
    """Apply a navigation move and play the step it lands on."""
    cur = saved(deps, hi)
    if cur is None:
        raise NoRoutineInProgress()
    new = engine.move(cur.state, how)
    if new.status is Status.FINISHED:
        return finish(deps, hi, cur)
    return play_step(deps, hi, cur.prof, cur.routine, new)


def pause_playing(deps: Deps, hi: HandlerInput) -> Response:
    """Stop the player and keep the place (the offset comes from the player's own report)."""
    cur = saved(deps, hi)
    if cur is None:
        raise NoRoutineInProgress()
    offset = player_offset(deps, hi, cur.state)
    set_profile(hi, replace(cur.prof, progress=engine.pause(cur.state, offset)))
    rb = hi.response_builder
    for d in stop_directives():
        rb.add_directive(d)
    return rb.response


# ---- voice commands while a routine plays (registered before the dialog-mode navigation handlers)


class AudioIntentHandler(IntentHandler):
    """An intent that controls playback, taken only when a routine is in AudioPlayer mode."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return super().can_handle(handler_input) and in_audio_mode(self.deps, handler_input)


class AudioMoveHandler(AudioIntentHandler):
    """'Alexa, next' / 'go back' / 'start over' / 'repeat' / 'skip' while playing."""

    moves = {Intent.NEXT: Move.NEXT, Intent.SKIP: Move.SKIP, Intent.PREVIOUS: Move.PREVIOUS,
             Intent.START_OVER: Move.START_OVER, Intent.REPEAT: Move.REPEAT}
    intents = tuple(moves)

    def handle(self, handler_input: HandlerInput) -> Response:
        return move_playing(self.deps, handler_input, self.moves[Intent(intent_name(handler_input))])


class AudioResumeHandler(AudioIntentHandler):
    """'Alexa, resume': from the saved offset, a few seconds back."""

    intents = (Intent.RESUME,)

    def handle(self, handler_input: HandlerInput) -> Response:
        return resume_playing(self.deps, handler_input)


class AudioPauseHandler(AudioIntentHandler):
    """'Alexa, pause': stop the player, keep the place, no speech."""

    intents = (Intent.PAUSE,)

    def handle(self, handler_input: HandlerInput) -> Response:
        response = pause_playing(self.deps, handler_input)
        handler_input.response_builder.set_should_end_session(True)
        return response


class AudioStopHandler(AudioIntentHandler):
    """'Alexa, stop' / 'cancel' while a routine plays: stop, keep the place, a short goodbye."""

    intents = (Intent.STOP, Intent.CANCEL, Intent.NAVIGATE_HOME)

    def handle(self, handler_input: HandlerInput) -> Response:
        pause_playing(self.deps, handler_input)
        return reply(handler_input, self.say("goodbye_saved"), end=True)


# ---- PlaybackController: device buttons; no session, no speech


class ControllerHandler(RequestTypeHandler):
    """A PlaybackController command; ignored when no routine plays."""

    def handle(self, handler_input: HandlerInput) -> Response:
        if saved(self.deps, handler_input) is None:
            return silent(handler_input)
        return self.act(handler_input)

    def act(self, handler_input: HandlerInput) -> Response:
        raise NotImplementedError


class ControllerNextHandler(ControllerHandler):
    request_types = ("PlaybackController.NextCommandIssued",)

    def act(self, handler_input: HandlerInput) -> Response:
        return move_playing(self.deps, handler_input, Move.NEXT)


class ControllerPreviousHandler(ControllerHandler):
    request_types = ("PlaybackController.PreviousCommandIssued",)

    def act(self, handler_input: HandlerInput) -> Response:
        return move_playing(self.deps, handler_input, Move.PREVIOUS)


class ControllerPlayHandler(ControllerHandler):
    request_types = ("PlaybackController.PlayCommandIssued",)

    def act(self, handler_input: HandlerInput) -> Response:
        return resume_playing(self.deps, handler_input)


class ControllerPauseHandler(ControllerHandler):
    request_types = ("PlaybackController.PauseCommandIssued",)

    def act(self, handler_input: HandlerInput) -> Response:
        return pause_playing(self.deps, handler_input)


# ---- AudioPlayer events: no session, no speech


class PlaybackEventHandler(RequestTypeHandler):
    """An AudioPlayer event about one of our streams; anything else gets an empty reply."""

    def handle(self, handler_input: HandlerInput) -> Response:
        token = event_token(self.deps, handler_input)
        prof = profile(handler_input)
        state = prof.progress
        if token is None or not token.matches(state) or state is None or not state.in_progress:
            return silent(handler_input)
        routine = routine_of(self.deps, state)
        if routine is None:
            return silent(handler_input)
        return self.on_event(handler_input, token, Playing(prof, state, routine))

    def on_event(self, hi: HandlerInput, token: Token, cur: Playing) -> Response:
        raise NotImplementedError


def _offset(hi: HandlerInput) -> int:
    return int(getattr(hi.request_envelope.request, "offset_in_milliseconds", 0) or 0)


class PlaybackStartedHandler(PlaybackEventHandler):
    """A step started: it is now the current step."""

    request_types = ("AudioPlayer.PlaybackStarted",)

    def on_event(self, hi: HandlerInput, token: Token, cur: Playing) -> Response:
        set_profile(hi, replace(cur.prof, progress=engine.playing(cur.state, token.index, _offset(hi))))
        return silent(hi)


class PlaybackNearlyFinishedHandler(PlaybackEventHandler):
    """Queue the following step, once, behind the one that is ending."""

    request_types = ("AudioPlayer.PlaybackNearlyFinished",)

    def on_event(self, hi: HandlerInput, token: Token, cur: Playing) -> Response:
        nxt = token.index + 1
        if nxt >= cur.state.total or cur.state.queued == nxt:
            return silent(hi)
        entry = step_entry(self.deps.manifest, cur.routine, cur.state, nxt)
        if entry is None or not self.deps.audio_base_url:
            return silent(hi)
        following = token_for(self.deps.content.version, cur.routine, cur.state, nxt)
        plan = engine.plan_step(cur.routine, replace(cur.state, index=nxt))
        hi.response_builder.add_directive(play_directive(
            url=stream_url(self.deps.audio_base_url, entry), token=following.encode(),
            title=cur.routine.name, subtitle=plan.step.title,
            after=getattr(hi.request_envelope.request, "token", None)))
        set_profile(hi, replace(cur.prof, progress=engine.enqueued(cur.state, nxt)))
        return silent(hi)


class PlaybackFinishedHandler(PlaybackEventHandler):
    """A step played to its end: the next one is current; after the last, the routine is done."""

    request_types = ("AudioPlayer.PlaybackFinished",)

    def on_event(self, hi: HandlerInput, token: Token, cur: Playing) -> Response:
        if token.index != cur.state.index:
            return silent(hi)  # the following step already reported itself started
        if token.index >= cur.state.total - 1:
            set_profile(hi, replace(cur.prof, progress=None, last_routine_id=cur.routine.id,
                                    close_pending=cur.routine.id))
            return silent(hi)
        set_profile(hi, replace(cur.prof, progress=engine.playing(cur.state, token.index + 1)))
        return silent(hi)


class PlaybackStoppedHandler(PlaybackEventHandler):
    """Playback stopped (pause, interruption): save exactly where, for today or tomorrow."""

    request_types = ("AudioPlayer.PlaybackStopped",)

    def on_event(self, hi: HandlerInput, token: Token, cur: Playing) -> Response:
        if token.index != cur.state.index:
            return silent(hi)  # a stream we already replaced
        set_profile(hi, replace(cur.prof, progress=engine.pause(cur.state, _offset(hi))))
        return silent(hi)


class PlaybackFailedHandler(RequestTypeHandler):
    """Log the failure, remember to tell the user next time, keep the place; never retry (no loops)."""

    request_types = ("AudioPlayer.PlaybackFailed",)

    def handle(self, handler_input: HandlerInput) -> Response:
        req = handler_input.request_envelope.request
        error = getattr(req, "error", None)
        log.warning("playback failed: %s %s", getattr(getattr(error, "object_type", None), "value", None),
                    getattr(error, "message", None))
        prof = profile(handler_input)
        state = prof.progress
        token = Token.parse(getattr(req, "token", None))
        if state is not None and state.in_progress and token and token.matches(state):
            current = getattr(req, "current_playback_state", None)
            offset = int(getattr(current, "offset_in_milliseconds", 0) or 0)
            state = engine.pause(engine.playing(state, token.index), offset)
        set_profile(handler_input, replace(prof, progress=state, playback_failed=True))
        return silent(handler_input)


class ExceptionEncounteredHandler(RequestTypeHandler):
    """Alexa could not use our last response: log it; this reply may carry nothing."""

    request_types = ("System.ExceptionEncountered",)

    def handle(self, handler_input: HandlerInput) -> Response:
        error = getattr(handler_input.request_envelope.request, "error", None)
        log.error("Alexa reported an exception with our response: %s %s",
                  getattr(getattr(error, "object_type", None), "value", None), getattr(error, "message", None))
        return silent(handler_input)

