"""Hands-free routines on AudioPlayer devices: voice commands, PlaybackController buttons, playback events.

Event handlers only read the request; the flows' player decides (the saved place follows the player
in whatever order a device reports, and late or repeated events change nothing). Events whose token is
not ours, is stale (other content version) or names another step of the routine are ignored.
"""

from __future__ import annotations

import logging
from typing import ClassVar

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model.response import Response

from skill.runtime.engine import Move
from skill.runtime.flows.player import (
    UnderWay,
    in_audio_mode,
    move_playing,
    pause_playing,
    record_failure,
    resume_playing,
    saved,
    stream_finished,
    stream_nearly_finished,
    stream_started,
    stream_stopped,
)
from skill.runtime.flows.turn import Deps, reply, request_type, silent
from skill.runtime.handlers.base import IntentHandler, RequestTypeHandler, intent_name
from skill.runtime.handlers.intents import Intent
from skill.runtime.streams import Token

log = logging.getLogger(__name__)


def event_token(deps: Deps, hi: HandlerInput) -> Token | None:
    """The current-version token of an AudioPlayer event, or None."""
    token = Token.parse(getattr(hi.request_envelope.request, "token", None))
    if token is None or not token.current(deps.content.version):
        log.info("ignoring %s for a token that is not ours or is stale", request_type(hi))
        return None
    return token


def _raw_token(hi: HandlerInput) -> str:
    """The event's token exactly as the device sent it (an ENQUEUE must name it verbatim)."""
    return str(getattr(hi.request_envelope.request, "token", None) or "")


def _offset(hi: HandlerInput) -> int:
    """The offset an AudioPlayer event reports for its stream."""
    return int(getattr(hi.request_envelope.request, "offset_in_milliseconds", 0) or 0)


# ---- voice commands while a routine plays (registered before the dialog-mode navigation handlers)


class AudioIntentHandler(IntentHandler):
    """An intent that controls playback, taken only when a routine is in AudioPlayer mode."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return super().can_handle(handler_input) and in_audio_mode(self.deps, handler_input)


class AudioMoveHandler(AudioIntentHandler):
    """'Alexa, next' / 'go back' / 'start over' / 'repeat' / 'skip' while playing."""

    moves: ClassVar[dict[str, Move]] = {
        Intent.NEXT: Move.NEXT, Intent.SKIP: Move.SKIP, Intent.PREVIOUS: Move.PREVIOUS,
        Intent.START_OVER: Move.START_OVER, Intent.REPEAT: Move.REPEAT}
    intents = tuple(moves)

    def handle(self, handler_input: HandlerInput) -> Response:
        # can_handle took only these intents, so the name is one of the keys.
        return move_playing(self.deps, handler_input, self.moves[intent_name(handler_input) or ""])


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
    """An AudioPlayer event about one of our streams of the playing routine; anything else gets an empty reply."""

    def handle(self, handler_input: HandlerInput) -> Response:
        token = event_token(self.deps, handler_input)
        cur = saved(self.deps, handler_input)
        if token is not None and cur is not None and token.matches(cur.state):
            self.on_event(handler_input, token, cur)
        return silent(handler_input)

    def on_event(self, hi: HandlerInput, token: Token, cur: UnderWay) -> None:
        raise NotImplementedError


class PlaybackStartedHandler(PlaybackEventHandler):
    """A step started: it is now the current step."""

    request_types = ("AudioPlayer.PlaybackStarted",)

    def on_event(self, hi: HandlerInput, token: Token, cur: UnderWay) -> None:
        stream_started(hi, cur, token, _offset(hi))


class PlaybackNearlyFinishedHandler(PlaybackEventHandler):
    """Queue the following step, once, behind the one that is ending."""

    request_types = ("AudioPlayer.PlaybackNearlyFinished",)

    def on_event(self, hi: HandlerInput, token: Token, cur: UnderWay) -> None:
        stream_nearly_finished(self.deps, hi, cur, token, raw_token=_raw_token(hi))


class PlaybackFinishedHandler(PlaybackEventHandler):
    """A step played to its end: the next one plays (now, if nothing was queued); after the last, it is done."""

    request_types = ("AudioPlayer.PlaybackFinished",)

    def on_event(self, hi: HandlerInput, token: Token, cur: UnderWay) -> None:
        stream_finished(self.deps, hi, cur, token)


class PlaybackStoppedHandler(PlaybackEventHandler):
    """Playback stopped (pause, interruption): save exactly where, for today or tomorrow."""

    request_types = ("AudioPlayer.PlaybackStopped",)

    def on_event(self, hi: HandlerInput, token: Token, cur: UnderWay) -> None:
        stream_stopped(hi, cur, token, _offset(hi))


class PlaybackFailedHandler(RequestTypeHandler):
    """Log the failure, remember to tell the user next time, keep the place; never retry (no loops)."""

    request_types = ("AudioPlayer.PlaybackFailed",)

    def handle(self, handler_input: HandlerInput) -> Response:
        req = handler_input.request_envelope.request
        error = getattr(req, "error", None)
        log.warning("playback failed: %s %s", getattr(getattr(error, "object_type", None), "value", None),
                    getattr(error, "message", None))
        current = getattr(req, "current_playback_state", None)
        offset = int(getattr(current, "offset_in_milliseconds", 0) or 0)
        record_failure(handler_input, Token.parse(getattr(req, "token", None)), offset)
        return silent(handler_input)


class ExceptionEncounteredHandler(RequestTypeHandler):
    """Alexa could not use our last response: log it; this reply may carry nothing."""

    request_types = ("System.ExceptionEncountered",)

    def handle(self, handler_input: HandlerInput) -> Response:
        error = getattr(handler_input.request_envelope.request, "error", None)
        log.error("Alexa reported an exception with our response: %s %s",
                  getattr(getattr(error, "object_type", None), "value", None), getattr(error, "message", None))
        return silent(handler_input)

