"""`@record` behaves as `@dataclass` does for every option the skill uses: the same class written both ways
gives the same fields, constructor errors, equality, hashing, repr, freezing, pickling and `dataclasses`
functions. And every record class the runtime defines is built by `record`, so none pays dataclass's
code generation at a cold start."""

from __future__ import annotations

import dataclasses
import importlib
import pickle
import pkgutil
from dataclasses import dataclass, field
from typing import Any, ClassVar

import pytest

import skill.runtime
from skill.runtime import records
from skill.runtime.records import record

OPTIONS = [{}, {"frozen": True}, {"frozen": True, "slots": True}, {"frozen": True, "slots": True, "kw_only": True},
           {"slots": True}]


def shapes(decorate: Any) -> dict[str, type]:
    """The same class bodies under a decorator (dataclass or record)."""

    @decorate
    class Base:
        limit: ClassVar[int] = 3
        name: str
        tags: list[str] = field(default_factory=list)
        note: str | None = field(default=None, repr=False)
        cached: int = field(default=0, compare=False)

        def shout(self) -> str:
            return self.name.upper()

    @decorate
    class Child(Base):
        extra: int = 7

    @decorate
    class Empty:
        pass

    return {"Base": Base, "Child": Child, "Empty": Empty}


def both(options: dict[str, Any]) -> tuple[dict[str, type], dict[str, type]]:
    return shapes(dataclass(**options)), shapes(record(**options))


def outcome(call: Any) -> Any:
    """What a call gives: its value, or the type and message of what it raised."""
    try:
        return ("ok", call())
    except Exception as exc:  # the point is to compare the exceptions
        return (type(exc).__name__, str(exc))


@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: ",".join(o) or "plain")
def test_fields_and_constructor_match_dataclass(options: dict[str, Any]) -> None:
    dc, rc = both(options)
    for name in dc:
        assert [(f.name, f.default, f.default_factory, f.repr, f.compare, f.kw_only)
                for f in dataclasses.fields(dc[name])] == \
               [(f.name, f.default, f.default_factory, f.repr, f.compare, f.kw_only)
                for f in dataclasses.fields(rc[name])], name
        assert dataclasses.is_dataclass(rc[name])
        assert dc[name].__match_args__ == rc[name].__match_args__
    calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = [
        ((), {"name": "a"}), ((), {"name": "a", "tags": ["x"], "note": "n"}), (("a",), {}), (("a", ["t"]), {}),
        ((), {}), ((), {"name": "a", "colour": "red"}), (("a",), {"name": "b"}), (("a", [], None, 0, 1, 2), {})]
    for args, kwargs in calls:
        for name in ("Base", "Child"):
            got_dc = outcome(lambda n=name, a=args, k=kwargs: vars_of(dc[n](*a, **dict(k))))
            got_rc = outcome(lambda n=name, a=args, k=kwargs: vars_of(rc[n](*a, **dict(k))))
            assert got_dc[0] == got_rc[0], (name, args, kwargs, got_dc, got_rc)
            if got_dc[0] == "ok":
                assert got_dc == got_rc
    # A default factory gives each instance its own list.
    one, two = rc["Base"](name="a"), rc["Base"](name="b")
    assert one.tags == [] and one.tags is not two.tags


def vars_of(obj: Any) -> dict[str, Any]:
    return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}


@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: ",".join(o) or "plain")
def test_equality_hash_repr_and_freezing_match_dataclass(options: dict[str, Any]) -> None:
    dc, rc = both(options)
    kw = {"name": "a", "tags": ["x"], "note": "hidden", "cached": 1}
    for classes in (dc, rc):
        a, b = classes["Base"](**kw), classes["Base"](**{**kw, "cached": 2})
        assert a == b  # cached is not compared
        assert a != classes["Base"](**{**kw, "name": "b"})
        assert a != classes["Child"](**kw)  # another class is never equal
        assert a.shout() == "A"
        assert classes["Empty"]() == classes["Empty"]()
    assert repr(dc["Base"](**kw)).split("(", 1)[1] == repr(rc["Base"](**kw)).split("(", 1)[1]
    assert "hidden" not in repr(rc["Base"](**kw))
    d, r = dc["Base"](name="a"), rc["Base"](name="a")
    assert outcome(lambda: hash(d))[0] == outcome(lambda: hash(r))[0]
    assert outcome(lambda: setattr(d, "name", "z"))[0] == outcome(lambda: setattr(r, "name", "z"))[0]
    assert outcome(lambda: delattr(d, "name"))[0] == outcome(lambda: delattr(r, "name"))[0]
    if options.get("frozen"):
        # Frozen with the tags list left out of the hash, as dataclass hashes compared fields only.
        tagless = rc["Empty"]()
        assert hash(tagless) == hash(rc["Empty"]())
    assert ("__dict__" in dir(d)) == ("__dict__" in dir(r))


@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: ",".join(o) or "plain")
def test_replace_asdict_and_pickle_match_dataclass(options: dict[str, Any]) -> None:
    dc, rc = both(options)
    r = rc["Child"](name="a", tags=["x"], extra=1)
    d = dc["Child"](name="a", tags=["x"], extra=1)
    assert vars_of(dataclasses.replace(r, name="b")) == vars_of(dataclasses.replace(d, name="b"))
    assert outcome(lambda: dataclasses.replace(r, colour=1))[0] == outcome(lambda: dataclasses.replace(d, colour=1))[0]
    assert dataclasses.asdict(r) == dataclasses.asdict(d)


@record(frozen=True, slots=True, kw_only=True)
class Pickled:
    name: str
    tags: tuple[str, ...] = ()


@record(frozen=True)
class PickledPlain:
    name: str
    size: int = 2


def test_records_round_trip_through_pickle() -> None:
    for obj in (Pickled(name="a", tags=("x",)), PickledPlain("b")):
        back = pickle.loads(pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL))
        assert back == obj and type(back) is type(obj)
        with pytest.raises(dataclasses.FrozenInstanceError):
            back.name = "c"  # type: ignore[misc]


def test_mutable_default_is_refused_as_dataclass_refuses_it() -> None:
    with pytest.raises(ValueError, match="default_factory"):
        @record
        class Bad:
            items: list[str] = []  # noqa: RUF012


def generated_by_dataclass(cls: type) -> bool:
    """A dataclass whose __init__ dataclass compiled (a record's comes from records.py)."""
    init = getattr(cls.__init__, "__code__", None)
    return dataclasses.is_dataclass(cls) and init is not None and init.co_filename != records.__file__


def test_every_runtime_dataclass_is_a_record() -> None:
    """No module of the running skill uses @dataclass (whose per-class code generation a cold start pays)."""
    assert generated_by_dataclass(shapes(dataclass)["Base"]) and not generated_by_dataclass(shapes(record)["Base"])
    generated: list[str] = []
    for info in pkgutil.walk_packages(skill.runtime.__path__, "skill.runtime."):
        module = importlib.import_module(info.name)
        generated += [f"{info.name}.{value.__name__}" for value in vars(module).values() if isinstance(value, type)
                      and value.__module__ == module.__name__ and generated_by_dataclass(value)]
    assert generated == []
