"""ASK SDK handlers grouped by feature, and the one ordered registration list (first match wins).

The list names each handler by module and class. `REQUEST_HANDLERS` is that list as classes (importing
every handler module); `request_handlers(deps)` gives the pipeline instances, except that where a scope
table is available (`scopes.json`, written beside this file by the Lambda bundle build from these very
classes, and only used while the sizes of the handler sources still match it) a handler whose module nobody has
imported yet is registered as a `LazyHandler`: its scope from the table, its module imported when a
request first gets as far as asking it. A cold start imports only the handlers its first request needs.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model.response import Response

from skill.runtime.dispatch import Scope
from skill.runtime.handlers.failures import CatchAllExceptionHandler, SkillErrorHandler
from skill.runtime.handlers.interceptors import (
    LoadProfileInterceptor,
    LogRequestInterceptor,
    LogResponseInterceptor,
    SaveProfileInterceptor,
    ScreenInterceptor,
)

if TYPE_CHECKING:
    from skill.runtime.flows.turn import Deps

    REQUEST_HANDLERS: list[type[Any]]

PACKAGE = __name__
SCOPES_FILE = Path(__file__).with_name("scopes.json")
# The sources a handler's scope is computed from: the handler modules (intent names, request types) and
# the Scope rules. The table is written into the Lambda bundle, whose code does not change after; the
# sizes of these files, checked at a cold start (a stat each), keep it from being used beside other code.
SCOPE_SOURCES = ("dispatch.py", "handlers/__init__.py", "handlers/base.py", "handlers/intents.py")
# Order matters: specific handlers first, catch-alls last.
REGISTRATION: tuple[str, ...] = (
    # Safety first: these read every slot of every intent (a red flag said anywhere stops a routine).
    "safety.RedFlagHandler",
    "safety.NotPregnantHandler",
    "safety.PregnancyClearedHandler",
    "safety.PregnancyHandler",
    "launch.LaunchHandler",
    "answers.YesHandler",
    "answers.NoHandler",
    "safety.PainHandler",
    "safety.FreeTextHandler",
    "privacy.DeleteDataHandler",
    "privacy.SkillDisabledHandler",
    "reminders.SetReminderIntentHandler",
    "reminders.PermissionResponseHandler",
    # Walking through finding a point: its next/back/repeat, only while that walk was the last reply.
    "points.FindStepHandler",
    # AudioPlayer mode: voice commands while a routine plays, then buttons and playback events.
    "playback.AudioMoveHandler",
    "playback.AudioResumeHandler",
    "playback.AudioPauseHandler",
    "playback.AudioStopHandler",
    "playback.ControllerNextHandler",
    "playback.ControllerPreviousHandler",
    "playback.ControllerPlayHandler",
    "playback.ControllerPauseHandler",
    "playback.PlaybackStartedHandler",
    "playback.PlaybackNearlyFinishedHandler",
    "playback.PlaybackFinishedHandler",
    "playback.PlaybackStoppedHandler",
    "playback.PlaybackFailedHandler",
    "playback.ExceptionEncounteredHandler",
    # Questions mid-routine ("where was that point") before the look-up; none moves the routine.
    "questions.RoutinePointHandler",
    "questions.WhichSideHandler",
    "questions.TimeLeftHandler",
    "questions.TechniqueQuestionHandler",
    "questions.ChangeHoldHandler",
    "questions.DisclaimerHandler",
    "points.FindPointHandler",
    "points.PointsForComplaintHandler",
    "points.ListPointsHandler",
    "routines.StartRoutineHandler",
    "routines.ListRoutinesHandler",
    "navigation.NextHandler",
    "navigation.SkipHandler",
    "navigation.PreviousHandler",
    "navigation.RepeatHandler",
    "navigation.StartOverHandler",
    "navigation.PauseHandler",
    "navigation.ResumeHandler",
    "preferences.SetHoldTimeHandler",
    "preferences.SetPositionHandler",
    # Screens: a tap on Next or Pause, answered as the words said aloud.
    "screen.ScreenTouchHandler",
    "builtin.HelpHandler",
    "builtin.StopHandler",
    "builtin.CancelHandler",
    "builtin.NavigateHomeHandler",
    "builtin.UnsupportedPlaybackHandler",
    "builtin.FallbackHandler",
    "builtin.SessionEndedHandler",
    "builtin.UnknownIntentHandler",   # catch-all: any other intent
    "builtin.OtherRequestHandler",    # catch-all: any other request type
)

EXCEPTION_HANDLERS = [SkillErrorHandler, CatchAllExceptionHandler]

REQUEST_INTERCEPTORS = [LogRequestInterceptor, LoadProfileInterceptor]
RESPONSE_INTERCEPTORS = [ScreenInterceptor, SaveProfileInterceptor, LogResponseInterceptor]


def handler_class(name: str) -> type[Any]:
    """The class a registration names ("playback.AudioMoveHandler"), its module imported if need be."""
    module, _, cls = name.rpartition(".")
    found: type[Any] = getattr(importlib.import_module(f"{PACKAGE}.{module}"), cls)
    return found


def __getattr__(name: str) -> Any:
    """REQUEST_HANDLERS: the registration list as classes, made (every handler module imported) when asked."""
    if name == "REQUEST_HANDLERS":
        classes = [handler_class(n) for n in REGISTRATION]
        globals()["REQUEST_HANDLERS"] = classes
        return classes
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def sources_fingerprint(root: Path | None = None) -> str:
    """The size of every source the scopes come from (under `root`, skill/runtime/, by default this one):
    the registered handlers' modules and SCOPE_SOURCES."""
    base = str(root or Path(__file__).resolve().parents[1])
    names = sorted({*SCOPE_SOURCES, *(f"handlers/{n.rpartition('.')[0]}.py" for n in REGISTRATION)})
    return ";".join(f"{name}:{os.stat(os.path.join(base, name)).st_size}" for name in names)


def scope_table(root: Path | None = None) -> dict[str, Any]:
    """What scopes.json holds: every registered handler's scope, computed from its class, and the
    fingerprint of the sources it was computed from, which must be the ones under `root` (skill.tools.bundle
    writes it into the bundle, whose skill/runtime is a copy of this one, and checks that they are)."""
    from skill.runtime.dispatch import scope_of

    scopes = {}
    for name in REGISTRATION:
        scope = scope_of(handler_class(name)(None))  # a scope reads class attributes only
        scopes[name] = [None if scope.request_types is None else sorted(scope.request_types),
                        None if scope.intents is None else sorted(scope.intents)]
    return {"sources": sources_fingerprint(root), "scopes": scopes}


def _scopes() -> dict[str, Scope] | None:
    """The scope table beside this file, if there is one, it was made from these sources and it reads as one
    (anything else: None, and every handler is made at once, as without a table)."""
    try:
        table = json.loads(SCOPES_FILE.read_text(encoding="utf-8"))
        if not isinstance(table, dict) or table.get("sources") != sources_fingerprint():
            return None
        scopes = table.get("scopes")
        if not isinstance(scopes, dict) or set(scopes) != set(REGISTRATION):
            return None
        return {name: Scope(None if types is None else frozenset(map(str, types)),
                            None if intents is None else frozenset(map(str, intents)))
                for name, (types, intents) in scopes.items()}
    except (OSError, ValueError, TypeError):
        return None


class LazyHandler(AbstractRequestHandler):
    """A registered handler whose module is imported when a request first asks it: until then it has
    only its scope (from the table), which is all the dispatcher reads of a handler it does not ask."""

    def __init__(self, name: str, scope: Scope, deps: Deps):
        self.name = name
        self.scope = scope
        self.deps = deps
        self._handler: AbstractRequestHandler | None = None
        self._lock = threading.Lock()

    def handler(self) -> AbstractRequestHandler:
        """The real handler, made at first use."""
        if self._handler is None:
            with self._lock:
                if self._handler is None:
                    self._handler = handler_class(self.name)(self.deps)
        return self._handler

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return bool(self.handler().can_handle(handler_input))

    def handle(self, handler_input: HandlerInput) -> Response | None:
        return self.handler().handle(handler_input)


def request_handlers(deps: Deps) -> list[AbstractRequestHandler]:
    """The registered handlers, in order, for the pipeline: lazily loaded where the scope table allows,
    else made now."""
    scopes = _scopes()
    made: list[AbstractRequestHandler] = []
    for name in REGISTRATION:
        module = f"{PACKAGE}.{name.rpartition('.')[0]}"
        if scopes is not None and module not in sys.modules:
            made.append(LazyHandler(name, scopes[name], deps))
        else:
            made.append(handler_class(name)(deps))
    return made


__all__ = ["EXCEPTION_HANDLERS", "REGISTRATION", "REQUEST_HANDLERS", "REQUEST_INTERCEPTORS", "RESPONSE_INTERCEPTORS",
           "LazyHandler", "handler_class", "request_handlers", "scope_table"]
