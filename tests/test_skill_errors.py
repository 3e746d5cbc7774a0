"""The error hierarchy's replies and the catch-all exception handler."""

from __future__ import annotations

import logging

import pytest
from envelopes import Conversation, envelope, intent_request, launch_request
from expectations import check

from skill.runtime import errors
from skill.runtime.handlers import points


def test_catch_all_speaks_helpfully_and_logs_the_traceback(app, content, monkeypatch, caplog) -> None:
    def boom(*args, **kwargs):
        raise RuntimeError("kaboom")

    monkeypatch.setattr(points.finding, "look_up", boom)
    with caplog.at_level(logging.ERROR):
        slots = {"point": {"value": "bladder 23", "id": "BL23"}}
        reply = app.handle_event(envelope(intent_request("FindPointIntent", slots)))
    check(content, reply, {"prompt": ["error_generic"], "end": False})
    record = next(r for r in caplog.records if r.levelno == logging.ERROR)
    assert record.exc_info and "kaboom" in str(record.exc_info[1])


def test_catch_all_stays_silent_for_events_that_may_not_speak(app, monkeypatch) -> None:
    from skill.runtime.handlers import builtin

    def boom(self, handler_input):
        raise RuntimeError("kaboom")

    monkeypatch.setattr(builtin.OtherRequestHandler, "handle", boom)
    reply = app.handle_event(envelope({"type": "AudioPlayer.PlaybackStarted", "token": "t",
                                       "offsetInMilliseconds": 0}, session=False))
    assert "outputSpeech" not in reply["response"]


@pytest.mark.parametrize("cls", [c for c in vars(errors).values()
                                 if isinstance(c, type) and issubclass(c, errors.SkillError)])
def test_every_skill_error_has_a_prompt(cls, content) -> None:
    assert cls.prompt_key in content.prompts


def test_storage_failure_still_coaches(make_app, content) -> None:
    class Broken:
        def get_attributes(self, request_envelope):
            raise OSError("disk gone")

        def save_attributes(self, request_envelope, attributes):
            raise OSError("disk gone")

        def delete_attributes(self, request_envelope):
            raise OSError("disk gone")

    app = make_app(adapter=Broken())
    reply = Conversation(app.handle_event).send(launch_request())
    check(content, reply, {"prompt": ["welcome_first"], "end": False})
