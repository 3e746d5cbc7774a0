"""Daily reminders: 'remind me every morning', and the answer to the permission request.

The offer itself comes at the end of a routine (flows/closing.py). Reminders go through the ASK SDK's
ReminderManagementServiceClient (the Alexa API named by the request's apiEndpoint). Without the
reminders permission the skill asks for it by voice (Connections.SendRequest AskFor); a refusal gets an
AskForPermissionsConsentCard for the Alexa app.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model.permission_status import PermissionStatus
from ask_sdk_model.response import Response
from ask_sdk_model.services.reminder_management.alert_info import AlertInfo
from ask_sdk_model.services.reminder_management.push_notification import PushNotification
from ask_sdk_model.services.reminder_management.push_notification_status import PushNotificationStatus
from ask_sdk_model.services.reminder_management.recurrence import Recurrence
from ask_sdk_model.services.reminder_management.reminder_request import ReminderRequest
from ask_sdk_model.services.reminder_management.spoken_info import SpokenInfo
from ask_sdk_model.services.reminder_management.spoken_text import SpokenText
from ask_sdk_model.services.reminder_management.trigger import Trigger
from ask_sdk_model.services.reminder_management.trigger_type import TriggerType
from ask_sdk_model.services.service_exception import ServiceException
from ask_sdk_model.ui.ask_for_permissions_consent_card import AskForPermissionsConsentCard

from skill.runtime.flows.closing import ask_reminder_time
from skill.runtime.flows.turn import Deps, SessionKey, profile, reply, session_set, set_profile
from skill.runtime.handlers.base import IntentHandler, RequestTypeHandler, slot
from skill.runtime.handlers.intents import Intent, Slot
from skill.runtime.speech import Prompts

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
    system = getattr(hi.request_envelope.context, "system", None)
    perms = getattr(getattr(system, "user", None), "permissions", None)
    if perms is None:
        return False
    scope = (perms.scopes or {}).get(REMINDERS_SCOPE)
    if scope is not None:
        return bool(scope.status == PermissionStatus.GRANTED)
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
    return reply(hi, deps.say("reminder_permission_card"), end=True)


def ask_permission(deps: Deps, hi: HandlerInput, tod: TimeOfDay) -> Response:
    """Ask for the reminders permission: Alexa asks by voice after our words (Connections.SendRequest),
    and the card in the Alexa app covers a device or simulator that cannot; never a silent reply."""
    from ask_sdk_model.interfaces.connections.send_request_directive import SendRequestDirective

    rb = hi.response_builder
    rb.add_directive(SendRequestDirective(
        name=ASK_FOR,
        payload={"@type": "AskForPermissionsConsentRequest", "@version": "1", "permissionScope": REMINDERS_SCOPE},
        token=tod.value))
    rb.set_card(AskForPermissionsConsentCard(permissions=[REMINDERS_SCOPE]))
    speech = deps.say("reminder_permission_ask")
    rb.speak(speech.ssml())
    session_set(hi, SessionKey.LAST_SPEECH, speech.ssml())
    return rb.response


def set_reminder(deps: Deps, hi: HandlerInput, tod: TimeOfDay, *, ask: bool = True) -> Response:
    """Create the daily reminder, asking for the permission first if it is missing (`ask` False: the
    user has just said yes to that request, so try, and send the card if the API still refuses)."""
    if ask and not has_permission(hi):
        return ask_permission(deps, hi, tod)
    req = hi.request_envelope.request
    now = getattr(req, "timestamp", None) or datetime.now(UTC)
    try:
        client = hi.service_client_factory.get_reminder_management_service()
        client.create_reminder(reminder_request(deps.prompts, tod, now, getattr(req, "locale", None) or "en-US"))
    except ServiceException as exc:
        if exc.status_code in (401, 403):
            log.info("reminders permission refused by the API (%s)", exc.status_code)
            return permission_card(hi, deps)
        log.warning("reminder could not be created: HTTP %s", exc.status_code)
        return reply(hi, deps.say("reminder_failed"), end=True)
    except (AttributeError, ValueError) as exc:  # no API client or endpoint in this request
        log.warning("reminder could not be created: %s", type(exc).__name__)
        return reply(hi, deps.say("reminder_failed"), end=True)
    prof = profile(hi)
    set_profile(hi, replace(prof, reminder=tod.value, reminder_declined=False))
    when = deps.prompts.say(f"reminder_time_name_{tod.value}")
    return reply(hi, deps.say("reminder_set", when=when), end=True)


class SetReminderIntentHandler(IntentHandler):
    """'Remind me every morning', 'after lunch', 'at bedtime' — also the answer to the offer."""

    intents = (Intent.SET_REMINDER,)

    def handle(self, handler_input: HandlerInput) -> Response:
        value = slot(handler_input, Slot.TIME_OF_DAY)
        tod = resolve_time(self.prompts, value.ids, value.raw)
        session_set(handler_input, SessionKey.PENDING, None)
        if tod is None:
            return ask_reminder_time(self.deps, handler_input)
        return set_reminder(self.deps, handler_input, tod)


class PermissionResponseHandler(RequestTypeHandler):
    """The user's answer to the voice permission request: set the reminder, or send the card."""

    request_types = ("Connections.Response",)

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return super().can_handle(handler_input) and \
            getattr(handler_input.request_envelope.request, "name", None) == ASK_FOR

    def handle(self, handler_input: HandlerInput) -> Response:
        req = handler_input.request_envelope.request
        status = (getattr(req, "payload", None) or {}).get("status")
        try:
            tod = TimeOfDay(str(getattr(req, "token", "")))
        except ValueError:
            tod = TimeOfDay.MORNING
        if status == "ACCEPTED":
            return set_reminder(self.deps, handler_input, tod, ask=False)
        return permission_card(handler_input, self.deps)
