"""Handler selection by request type and intent name picks exactly the handler a full scan picks.

The skill's mapper (skill/runtime/dispatch.py) asks only the handlers whose declared scope admits a
request. These tests put every intent of the interaction model (its own slots filled with what people
say, red flags, pregnancy and pain included, and slots it does not have) and every request type the SDK
knows to both that mapper and the SDK's own linear scan, for a new user, a user in a spoken routine and
a user whose routine plays through the AudioPlayer, on devices with and without AudioPlayer.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from ask_sdk_core.attributes_manager import AttributesManager
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model.request import Request
from ask_sdk_model.request_envelope import RequestEnvelope
from ask_sdk_runtime.dispatch_components.request_components import GenericRequestHandlerChain, GenericRequestMapper
from conftest import ROOT, rendered_manifest
from envelopes import (
    audio_player_event,
    connections_response,
    envelope,
    exception_encountered,
    intent_request,
    launch_request,
    playback_controller,
    session_ended_request,
    skill_disabled,
)

from skill.runtime import handlers
from skill.runtime.content import Content
from skill.runtime.dispatch import ANY, IndexedRequestMapper, scope_of
from skill.runtime.flows import finding
from skill.runtime.handlers import REQUEST_HANDLERS, safety
from skill.runtime.pipeline import App
from skill.runtime.screening import Detector

MODEL = ROOT / "skill-package" / "interactionModels" / "custom" / "en-US.json"

# What people say into a slot, as they say it.
WORDS = {
    "red flag": "I wet myself this morning and I can't feel my bum",
    "injury": "I fell down the stairs on Sunday",
    "pregnant": "I'm twenty weeks pregnant",
    "not pregnant": "I had my baby in March",
    "pain": "ow that really hurts",
    "plain": "the one behind my knee",
}
# Each state's user and how they got there: nothing yet, a spoken routine, a routine playing.
USERS = {"new": "amzn1.ask.account.DISPATCHNEW", "dialog": "amzn1.ask.account.DISPATCHDIALOG",
         "audio": "amzn1.ask.account.DISPATCHAUDIO"}
SAFETY = (safety.RedFlagHandler, safety.NotPregnantHandler, safety.PregnancyClearedHandler, safety.PregnancyHandler)


def model_intents() -> dict[str, list[str]]:
    """Every intent of the interaction model with its slot names."""
    model = json.loads(MODEL.read_text())["interactionModel"]["languageModel"]
    return {i["name"]: [s["name"] for s in i.get("slots", [])] for i in model["intents"]}


def intent_requests(content: Content) -> Iterator[dict[str, Any]]:
    """Each intent bare, with each kind of words in each of its slots, and with words in a slot it lacks."""
    flag_ids = [f.id for f in content.safety.red_flags]
    for name, slots in [*model_intents().items(), ("SomeNewerIntent", [])]:
        yield intent_request(name)
        for words in WORDS.values():
            for s in slots or ["symptom"]:
                yield intent_request(name, {s: words})
            yield intent_request(name, {"extra": words})
        for fid in flag_ids:  # entity resolution matched a red flag in the symptom slot
            yield intent_request(name, {"symptom": {"value": "it feels strange down there", "id": fid}})
    yield {"type": "IntentRequest", "intent": {}}  # an intent with no name


def other_requests(token: str) -> Iterator[dict[str, Any]]:
    """Every request type the SDK models (bare), and the ones the skill answers with their fields."""
    yield launch_request()
    yield session_ended_request()
    yield skill_disabled()
    yield exception_encountered()
    yield connections_response("ACCEPTED", "morning")
    yield connections_response("ACCEPTED", "morning", name="Buy")
    for kind in ("PlaybackStarted", "PlaybackNearlyFinished", "PlaybackFinished", "PlaybackStopped",
                 "PlaybackFailed"):
        yield audio_player_event(kind, token, 5000)
        yield audio_player_event(kind, "somebody-elses-stream", 5000)
    for command in ("Next", "Previous", "Play", "Pause"):
        yield playback_controller(command)
    for rtype in sorted(Request.discriminator_value_class_map):
        yield {"type": rtype}


@pytest.fixture
def played(make_app: Callable[..., App], content: Content) -> tuple[App, str]:
    """The skill with rendered audio, its users in their states, and a token of the playing stream."""
    app = make_app(manifest=rendered_manifest(content))
    routine = next(iter(content.routines.values()))
    start = intent_request("StartRoutineIntent", {"routine": {"value": routine.name, "id": routine.id}})
    app.handle_event(envelope(launch_request(), user_id=USERS["dialog"], new=True))
    app.handle_event(envelope(start, user_id=USERS["dialog"]))
    reply = app.handle_event(envelope(start, user_id=USERS["audio"], new=True, audio_player=True))
    plays = [d for d in reply["response"].get("directives", []) if d["type"] == "AudioPlayer.Play"]
    assert plays, "the audio user's routine should be playing"
    return app, plays[0]["audioItem"]["stream"]["token"]


def handler_input(app: App, body: dict[str, Any]) -> HandlerInput:
    """The HandlerInput the SDK builds for this envelope, after the skill's request interceptors ran."""
    skill = app.skill
    env = skill.serializer.deserialize(payload=json.dumps(body), obj_type=RequestEnvelope)
    hi = HandlerInput(request_envelope=env,
                      attributes_manager=AttributesManager(request_envelope=env,
                                                           persistence_adapter=skill.persistence_adapter))
    for interceptor in skill.request_dispatcher.request_interceptors:
        interceptor.process(handler_input=hi)
    return hi


def twin(app: App, hi: HandlerInput) -> HandlerInput:
    """A second HandlerInput for the same request, as `handler_input` left it (no handler asked yet)."""
    other = HandlerInput(request_envelope=hi.request_envelope,
                         attributes_manager=AttributesManager(request_envelope=hi.request_envelope,
                                                              persistence_adapter=app.skill.persistence_adapter))
    other.attributes_manager.request_attributes = dict(hi.attributes_manager.request_attributes)
    return other


def probes(content: Content, token: str) -> Iterator[dict[str, Any]]:
    """Every probe request, from every user, on devices with and without AudioPlayer."""
    requests = [*intent_requests(content), *other_requests(token)]
    # Mid-way through finding a point: the walk's reply was the last thing said in the session.
    said = "<speak>Feel for the crease.</speak>"
    walking = {"last_speech": said, "finding": {"point": "BL40", "page": 0, "said": finding.fingerprint(said)}}
    for user in USERS.values():
        for audio in (False, True):
            for request in requests:
                in_session = request["type"] in ("LaunchRequest", "IntentRequest", "SessionEndedRequest")
                yield envelope(request, user_id=user, session=in_session, audio_player=audio)
            for name in ("AMAZON.NextIntent", "AMAZON.PreviousIntent", "AMAZON.RepeatIntent", "AMAZON.YesIntent"):
                yield envelope(intent_request(name), user_id=user, audio_player=audio, session_attributes=walking)


def mapper_of(app: App) -> IndexedRequestMapper:
    (mapper,) = app.skill.request_dispatcher.request_mappers
    assert isinstance(mapper, IndexedRequestMapper)
    return mapper


def test_the_indexed_mapper_picks_what_a_full_scan_picks(played: tuple[App, str], content: Content) -> None:
    app, token = played
    indexed = mapper_of(app)
    chains = indexed.request_handler_chains
    linear = GenericRequestMapper(chains)
    assert [type(c.request_handler) for c in chains] == REQUEST_HANDLERS
    picked: set[str] = set()
    for body in probes(content, token):
        hi = handler_input(app, body)
        want = linear.get_request_handler_chain(twin(app, hi))
        got = indexed.get_request_handler_chain(hi)
        assert got is want, (body["request"], want and want.request_handler, got and got.request_handler)
        # Stronger: no handler left out may accept the request (so any order of checks agrees).
        asked = {id(c) for c in indexed.candidates(hi)}
        for chain in chains:
            if id(chain) not in asked:
                assert not chain.request_handler.can_handle(hi), (type(chain.request_handler), body["request"])
        picked.add(type(got.request_handler).__name__ if got else "none")
    # The probes reached every registered handler (else some handler's scope went untested).
    assert picked == {h.__name__ for h in REQUEST_HANDLERS}, picked ^ {h.__name__ for h in REQUEST_HANDLERS}


def test_safety_comes_first_for_every_intent(app: App) -> None:
    mapper = mapper_of(app)
    by_name = {type(c.request_handler): c for c in mapper.request_handler_chains}
    for name in [*model_intents(), "SomeNewerIntent"]:
        hi = handler_input(app, envelope(intent_request(name)))
        first = [type(c.request_handler) for c in mapper.candidates(hi)][:len(SAFETY)]
        assert first == list(SAFETY), name
    # And only for intents: a device button or playback event never waits on the detector.
    for body in (playback_controller("Next"), audio_player_event("PlaybackStarted", "t"), launch_request()):
        asked = mapper.candidates(handler_input(app, envelope(body, session=False)))
        assert not any(c is by_name[h] for h in SAFETY for c in asked), body["type"]


@pytest.mark.parametrize(("name", "slot", "said", "winner"), [
    ("FindPointIntent", "point", WORDS["red flag"], safety.RedFlagHandler),
    ("SetHoldTimeIntent", "duration", WORDS["injury"], safety.RedFlagHandler),
    ("StartRoutineIntent", "routine", WORDS["pregnant"], safety.PregnancyHandler),
    ("SetReminderIntent", "time", WORDS["not pregnant"], safety.NotPregnantHandler),
    ("RedFlagIntent", "symptom", WORDS["pain"], safety.FreeTextHandler),
])
def test_words_inside_other_intents_reach_the_safety_handlers(app: App, name: str, slot: str, said: str,
                                                               winner: type) -> None:
    chain = mapper_of(app).get_request_handler_chain(handler_input(app, envelope(intent_request(name, {slot: said}))))
    assert chain is not None and type(chain.request_handler) is winner


def test_every_registered_handler_declares_its_scope(app: App) -> None:
    """Only the last catch-all is asked about everything; a handler without a scope would be asked too."""
    unscoped = [type(c.request_handler).__name__ for c in mapper_of(app).request_handler_chains
                if scope_of(c.request_handler) == ANY]
    assert unscoped == ["OtherRequestHandler"]


def test_a_request_reads_the_users_words_once(app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    """Three safety handlers ask about the same words, and the red-flag one again to answer: one look each."""
    calls: list[tuple[str, str | None]] = []
    for method in ("red_flag", "pregnancy"):
        original = getattr(Detector, method)

        def counted(self: Detector, text: str | None, _m: str = method, _f: Any = original) -> Any:
            calls.append((_m, text))
            return _f(self, text)

        monkeypatch.setattr(Detector, method, counted)
    reply = app.handle_event(envelope(intent_request("FindPointIntent", {"point": WORDS["red flag"]})))
    assert reply["response"]["shouldEndSession"] is True
    assert calls == [("red_flag", WORDS["red flag"])]
    calls.clear()
    app.handle_event(envelope(intent_request("FindPointIntent", {"point": WORDS["not pregnant"]})))
    assert calls == [("red_flag", WORDS["not pregnant"]), ("pregnancy", WORDS["not pregnant"])]
    calls.clear()
    app.handle_event(envelope(intent_request("AMAZON.NextIntent")))
    assert calls == []


def test_handlers_loaded_on_first_ask_pick_what_the_eager_list_picks(played: tuple[App, str], content: Content,
                                                                    tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """The Lambda bundle registers handlers by the scope table its build wrote (their modules imported
    when a request first asks them): the same handler answers every probe as with the classes themselves."""
    app, token = played
    table = handlers.scope_table()
    monkeypatch.setattr(handlers, "SCOPES_FILE", tmp_path / "scopes.json")
    (tmp_path / "scopes.json").write_text(json.dumps(table))
    scopes = handlers._scopes()
    assert scopes is not None and list(scopes) == list(handlers.REGISTRATION)
    lazy = [handlers.LazyHandler(name, scopes[name], app.deps) for name in handlers.REGISTRATION]
    lazy_mapper = IndexedRequestMapper([GenericRequestHandlerChain(request_handler=h) for h in lazy])
    eager = mapper_of(app)
    for body in probes(content, token):
        hi = handler_input(app, body)
        want = eager.get_request_handler_chain(twin(app, hi))
        got = lazy_mapper.get_request_handler_chain(hi)
        want_type = type(want.request_handler) if want else None
        got_type = type(got.request_handler.handler()) if got else None
        assert got_type is want_type, (body["request"], want_type, got_type)


def test_a_scope_table_from_other_sources_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    table = handlers.scope_table()
    table["sources"] = table["sources"].replace("handlers/safety.py:", "handlers/safety.py:1")
    monkeypatch.setattr(handlers, "SCOPES_FILE", tmp_path / "scopes.json")
    (tmp_path / "scopes.json").write_text(json.dumps(table))
    assert handlers._scopes() is None
    (tmp_path / "scopes.json").write_text("{not json")
    assert handlers._scopes() is None
    good = handlers.scope_table()
    (tmp_path / "scopes.json").write_text(json.dumps({**good, "scopes": {n: 7 for n in good["scopes"]}}))
    assert handlers._scopes() is None
