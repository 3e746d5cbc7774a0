"""ASK SDK handlers grouped by feature, and the one ordered registration list (first match wins)."""

from __future__ import annotations

from skill.handlers import (
    audioplayer,
    builtin,
    launch,
    navigation,
    points,
    preferences,
    privacy,
    reminders,
    routines,
    safety,
)
from skill.handlers.errors import CatchAllExceptionHandler, SkillErrorHandler
from skill.handlers.interceptors import (
    LoadProfileInterceptor,
    LogRequestInterceptor,
    LogResponseInterceptor,
    SaveProfileInterceptor,
)

# Order matters: specific handlers first, catch-alls last.
REQUEST_HANDLERS = [
    # Safety first: these read every slot of every intent (a red flag said anywhere stops a routine).
    safety.RedFlagHandler,
    safety.NotPregnantHandler,
    safety.PregnancyHandler,
    launch.LaunchHandler,
    launch.YesHandler,
    launch.NoHandler,
    safety.PainHandler,
    safety.FreeTextHandler,
    privacy.DeleteDataHandler,
    privacy.SkillDisabledHandler,
    reminders.SetReminderIntentHandler,
    reminders.PermissionResponseHandler,
    # AudioPlayer mode: voice commands while a routine plays, then buttons and playback events.
    audioplayer.AudioMoveHandler,
    audioplayer.AudioResumeHandler,
    audioplayer.AudioPauseHandler,
    audioplayer.AudioStopHandler,
    audioplayer.ControllerNextHandler,
    audioplayer.ControllerPreviousHandler,
    audioplayer.ControllerPlayHandler,
    audioplayer.ControllerPauseHandler,
    audioplayer.PlaybackStartedHandler,
    audioplayer.PlaybackNearlyFinishedHandler,
    audioplayer.PlaybackFinishedHandler,
    audioplayer.PlaybackStoppedHandler,
    audioplayer.PlaybackFailedHandler,
    audioplayer.ExceptionEncounteredHandler,
    points.FindPointHandler,
    points.PointsForComplaintHandler,
    points.ListPointsHandler,
    routines.StartRoutineHandler,
    routines.ListRoutinesHandler,
    navigation.NextHandler,
    navigation.SkipHandler,
    navigation.PreviousHandler,
    navigation.RepeatHandler,
    navigation.StartOverHandler,
    navigation.PauseHandler,
    navigation.ResumeHandler,
    preferences.SetHoldTimeHandler,
    preferences.SetPositionHandler,
    builtin.HelpHandler,
    builtin.StopHandler,
    builtin.CancelHandler,
    builtin.NavigateHomeHandler,
    builtin.UnsupportedPlaybackHandler,
    builtin.FallbackHandler,
    builtin.SessionEndedHandler,
    builtin.UnknownIntentHandler,   # catch-all: any other intent
    builtin.OtherRequestHandler,    # catch-all: any other request type
]

EXCEPTION_HANDLERS = [SkillErrorHandler, CatchAllExceptionHandler]

REQUEST_INTERCEPTORS = [LogRequestInterceptor, LoadProfileInterceptor]
RESPONSE_INTERCEPTORS = [SaveProfileInterceptor, LogResponseInterceptor]

__all__ = ["EXCEPTION_HANDLERS", "REQUEST_HANDLERS", "REQUEST_INTERCEPTORS", "RESPONSE_INTERCEPTORS"]
