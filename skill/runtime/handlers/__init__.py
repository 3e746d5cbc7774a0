"""ASK SDK handlers grouped by feature, and the one ordered registration list (first match wins)."""

from __future__ import annotations

from skill.runtime.handlers import (
    builtin,
    launch,
    navigation,
    playback,
    points,
    preferences,
    privacy,
    questions,
    reminders,
    routines,
    safety,
    screen,
)
from skill.runtime.handlers.failures import CatchAllExceptionHandler, SkillErrorHandler
from skill.runtime.handlers.interceptors import (
    LoadProfileInterceptor,
    LogRequestInterceptor,
    LogResponseInterceptor,
    SaveProfileInterceptor,
    ScreenInterceptor,
)

# Order matters: specific handlers first, catch-alls last.
REQUEST_HANDLERS = [
    # Safety first: these read every slot of every intent (a red flag said anywhere stops a routine).
    safety.RedFlagHandler,
    safety.NotPregnantHandler,
    safety.PregnancyClearedHandler,
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
    # Walking through finding a point: its next/back/repeat, only while that walk was the last reply.
    points.FindStepHandler,
    # AudioPlayer mode: voice commands while a routine plays, then buttons and playback events.
    playback.AudioMoveHandler,
    playback.AudioResumeHandler,
    playback.AudioPauseHandler,
    playback.AudioStopHandler,
    playback.ControllerNextHandler,
    playback.ControllerPreviousHandler,
    playback.ControllerPlayHandler,
    playback.ControllerPauseHandler,
    playback.PlaybackStartedHandler,
    playback.PlaybackNearlyFinishedHandler,
    playback.PlaybackFinishedHandler,
    playback.PlaybackStoppedHandler,
    playback.PlaybackFailedHandler,
    playback.ExceptionEncounteredHandler,
    # Questions mid-routine ("where was that point") before the look-up; none moves the routine.
    questions.RoutinePointHandler,
    questions.WhichSideHandler,
    questions.TimeLeftHandler,
    questions.TechniqueQuestionHandler,
    questions.ChangeHoldHandler,
    questions.DisclaimerHandler,
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
    # Screens: a tap on Next or Pause, answered as the words said aloud.
    screen.ScreenTouchHandler,
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
RESPONSE_INTERCEPTORS = [ScreenInterceptor, SaveProfileInterceptor, LogResponseInterceptor]

__all__ = ["EXCEPTION_HANDLERS", "REQUEST_HANDLERS", "REQUEST_INTERCEPTORS", "RESPONSE_INTERCEPTORS"]
