"""After a routine: a short close with a tip, and (once) the offer of a daily reminder.

Reminders go through the ASK SDK's ReminderManagementServiceClient (the Alexa API named by the
request's apiEndpoint). Without the reminders permission the skill asks for it by voice
(Connections.SendRequest AskFor); a refusal gets an AskForPermissionsConsentCard for the Alexa app.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import PermissionStatus, Response
from ask_sdk_model.interfaces.connections import SendRequestDirective
from ask_sdk_model.services import ServiceException
from ask_sdk_model.services.reminder_management import (
    AlertInfo,
    PushNotification,
    PushNotificationStatus,
    Recurrence,
    ReminderRequest,
    SpokenInfo,
    SpokenText,
    Trigger,
    TriggerType,
)
from ask_sdk_model.ui import AskForPermissionsConsentCard

from skill.runtime.content.models import Routine
from skill.runtime.handlers.base import (
    Deps,
    IntentHandler,
    Pending,
    RequestTypeHandler,
    SessionKey,
    pending,
    profile,
    reply,
    session_set,
    set_profile,
    slot,
)
from skill.runtime.handlers.intents import Intent, Slot
from skill.runtime.persistence import Profile
from skill.runtime.speech import Prompts, Speech

log = logging.getLogger(__name__)

REMINDERS_SCOPE = "alexa::alerts:reminders:skill:readwrite"
ASK_FOR = "AskFor"


class TimeOfDay(StrEnum):
    """When the sources suggest practising: morning, after lunch, before sleep."""

    MORNING = "morning"
    AFTER_LUNCH = "after_lunch"
    BEDTIME = "bedtime"


# Local clock time of each daily reminder (the device's time zone applies).
REMINDER_AT = {TimeOfDay.MORNING: time(8, 0), TimeOfDay.AFTER_LUNCH: time(13, 30), TimeOfDay.BEDTIME: time(21, 30)}


def wants_offer(prof: Profile) -> bool:
    """Offer a reminder until the user has one or has said no."""
    return prof.reminder is None and not prof.reminder_declined


def close_routine(deps: Deps, hi: HandlerInput, routine: Routine, speech: Speech) -> Response:
    """End of a routine: its close, a tip from the content, and the reminder offer if still open."""
    p = deps.prompts
    tips = deps.content.tips
    if tips:
        speech.text(p.say("tip_intro"), p.rng.choice(tips).text)
    if wants_offer(profile(hi)):
        speech.text(p.say("reminder_offer"))
        session_set(hi, SessionKey.PENDING, Pending.REMINDER_OFFER.value)
        return reply(hi, speech, Speech().text(p.say("reminder_offer_reprompt")))
    return reply(hi, speech, end=True)


def resolve_time(prompts: Prompts, ids: tuple[str, ...], raw: str | None) -> TimeOfDay | None:
    """Slot id first; else the words heard against the time-of-day synonyms in the prompts."""
    for tid in ids:
        if tid in {t.value for t in TimeOfDay}:
            return TimeOfDay(tid)
    if not raw:
        return None
    said = " ".join(raw.lower().split())
    for tod in TimeOfDay:
        if said in (w.lower() for w in [tod.value.replace("_", " "), *prompts.variants(f"slot_time_{tod.value}")]):
            return tod
    return None


def has_permission(hi: HandlerInput) -> bool:
    """The user granted the reminders permission (a consent token, or the scope marked granted)."""
    perms = getattr(hi.request_envelope.context.system.user, "permissions", None)
    if perms is None:
        return False
    scope = (perms.scopes or {}).get(REMINDERS_SCOPE)
    if scope is not None:
        return scope.status == PermissionStatus.GRANTED
    return bool(perms.consent_token)


def reminder_request(prompts: Prompts, tod: TimeOfDay, now: datetime, locale: str) -> ReminderRequest:
    """A daily reminder at the chosen time, starting tomorrow (local time on the device)."""
    at = REMINDER_AT[tod]
    start = datetime.combine(now.date() + timedelta(days=1), at)
    rule = f"FREQ=DAILY;BYHOUR={at.hour};BYMINUTE={at.minute};BYSECOND=0;INTERVAL=1;"
    return ReminderRequest(
        request_time=now.replace(tzinfo=None, microsecond=0),
        trigger=Trigger(object_type=TriggerType.SCHEDULED_ABSOLUTE,
                        recurrence=Recurrence(start_date_time=start, recurrence_rules=[rule])),
        alert_info=AlertInfo(spoken_info=SpokenInfo(content=[SpokenText(locale=locale,
                                                                        text=prompts.say("reminder_text"))])),
        push_notification=PushNotification(status=PushNotificationStatus.ENABLED),
    )


def permission_card(hi: HandlerInput, deps: Deps) -> Response:
    """Ask for the permission in the Alexa app, and say so."""
    hi.response_builder.set_card(AskForPermissionsConsentCard(permissions=[REMINDERS_SCOPE]))
    return reply(hi, Speech().text(deps.prompts.say("reminder_permission_card")), end=True)


def set_reminder(deps: Deps, hi: HandlerInput, tod: TimeOfDay) -> Response:
    """Create the daily reminder, asking for the permission by voice first if it is missing."""
    if not has_permission(hi):
        hi.response_builder.add_directive(SendRequestDirective(
            name=ASK_FOR,
            payload={"@type": "AskForPermissionsConsentRequest", "@version": "1",
                     "permissionScope": REMINDERS_SCOPE},
            token=tod.value))
        return hi.response_builder.response
    req = hi.request_envelope.request
    now = req.timestamp or datetime.now(UTC)
    try:
        client = hi.service_client_factory.get_reminder_management_service()
        client.create_reminder(reminder_request(deps.prompts, tod, now, req.locale or "en-US"))
    except ServiceException as exc:
        if exc.status_code in (401, 403):
            log.info("reminders permission refused by the API (%s)", exc.status_code)
            return permission_card(hi, deps)
        log.warning("reminder could not be created: HTTP %s", exc.status_code)
        return reply(hi, Speech().text(deps.prompts.say("reminder_failed")), end=True)
    except (AttributeError, ValueError) as exc:  # no API client or endpoint in this request
        log.warning("reminder could not be created: %s", type(exc).__name__)
        return reply(hi, Speech().text(deps.prompts.say("reminder_failed")), end=True)
    prof = profile(hi)
    set_profile(hi, replace(prof, reminder=tod.value, reminder_declined=False))
    when = deps.prompts.say(f"reminder_time_name_{tod.value}")
    return reply(hi, Speech().text(deps.prompts.say("reminder_set", when=when)), end=True)


def ask_time(deps: Deps, hi: HandlerInput) -> Response:
    session_set(hi, SessionKey.PENDING, Pending.REMINDER_TIME.value)
    which = Speech().text(deps.prompts.say("reminder_which"))
    return reply(hi, which, which)


def decline(deps: Deps, hi: HandlerInput) -> Response:
    """No reminder, and no more offers."""
    session_set(hi, SessionKey.PENDING, None)
    set_profile(hi, replace(profile(hi), reminder_declined=True))
    return reply(hi, Speech().text(deps.prompts.say("reminder_declined")), end=True)


class SetReminderIntentHandler(IntentHandler):
    """'Remind me every morning', 'after lunch', 'at bedtime' — also the answer to the offer."""

    intents = (Intent.SET_REMINDER,)

    def handle(self, handler_input: HandlerInput) -> Response:
        value = slot(handler_input, Slot.TIME_OF_DAY)
        tod = resolve_time(self.prompts, value.ids, value.raw)
        session_set(handler_input, SessionKey.PENDING, None)
        if tod is None:
            return ask_time(self.deps, handler_input)
        return set_reminder(self.deps, handler_input, tod)


class PermissionResponseHandler(RequestTypeHandler):
    """The user's answer to the voice permission request: set the reminder, or send the card."""

    request_types = ("Connections.Response",)

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return super().can_handle(handler_input) and \
            getattr(handler_input.request_envelope.request, "name", None) == ASK_FOR

    def handle(self, handler_input: HandlerInput) -> Response:
        req = handler_input.request_envelope.request
        status = (req.payload or {}).get("status")
        try:
            tod = TimeOfDay(req.token)
        except ValueError:
            tod = TimeOfDay.MORNING
        if status == "ACCEPTED":
            return set_reminder(self.deps, handler_input, tod)
        return permission_card(handler_input, self.deps)


def answer_offer(deps: Deps, hi: HandlerInput, yes: bool) -> Response | None:
    """Yes/no to a reminder question, if one is pending."""
    state = pending(hi)
    if state not in (Pending.REMINDER_OFFER, Pending.REMINDER_TIME):
        return None
    if not yes:
        return decline(deps, hi)
    return ask_time(deps, hi)
