"""`record`: the dataclasses the running skill defines, made without generating code at import.

`@dataclass` writes the source of `__init__`, `__eq__`, `__repr__`, `__hash__`, `__setattr__`... for each
class and compiles it: about half a millisecond a class, and the skill defines some ninety, all paid by
every Lambda cold start. `@record` takes the same options the skill uses (`frozen`, `slots`, `kw_only`,
and `dataclasses.field` for defaults, `repr` and `compare`) and gives the class the same behaviour
through shared methods that read a per-class field table, at a few microseconds a class:

- `__init__` takes the fields as dataclass's would (positional unless kw_only, defaults, default
  factories, `__post_init__`), with the same TypeErrors for a missing, repeated or unknown argument;
- `__eq__` compares the fields with compare=True of two instances of the same class; `__hash__` hashes
  them when frozen, and is None when not (dataclass's rule for eq without frozen);
- `__repr__` as dataclass's; frozen classes refuse assignment and deletion (FrozenInstanceError);
- `slots=True` gives a class with `__slots__` (and pickling of frozen slotted instances as dataclass's);
- the `dataclasses` module's own functions work on them (`fields`, `replace`, `asdict`, `is_dataclass`):
  the class carries the `dataclasses.Field`s in `__dataclass_fields__`, as dataclass leaves them.

Methods written in the class body are kept, as dataclass keeps them. tests/test_records.py checks the
behaviour against `@dataclass` itself, and scripts/bench_lambda.py shows what it saves.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable
from operator import attrgetter
from typing import Any, ClassVar, TypeVar, dataclass_transform, overload

T = TypeVar("T")

_MISSING: Any = dataclasses.MISSING
# The mark dataclass puts on a Field that is a real field (not a ClassVar or InitVar); its `fields()`,
# `replace()` and `asdict()` read it. Private to dataclasses, stable since Python 3.7; tested.
_FIELD: Any = vars(dataclasses)["_FIELD"]
_set = object.__setattr__
_MATCH_ARGS = "__match_args__"  # set with setattr: type checkers refuse to see it assigned


def _is_classvar(annotation: Any) -> bool:
    """A ClassVar annotation (a string under `from __future__ import annotations`): not a field."""
    if isinstance(annotation, str):
        return annotation.startswith(("ClassVar", "typing.ClassVar", "t.ClassVar"))
    return getattr(annotation, "__origin__", None) is ClassVar


def _collect(cls: type, kw_only: bool) -> dict[str, dataclasses.Field[Any]]:
    """The class's fields in dataclass's order: the bases' (records or dataclasses) first, then its own."""
    found: dict[str, dataclasses.Field[Any]] = {}
    for base in cls.__mro__[-1:0:-1]:
        found.update(getattr(base, "__dataclass_fields__", None) or {})
    for name, annotation in inspect.get_annotations(cls).items():
        if _is_classvar(annotation):
            continue
        value = cls.__dict__.get(name, _MISSING)
        f: Any = value if isinstance(value, dataclasses.Field) else dataclasses.field(default=value)
        if isinstance(f.default, (list, dict, set)):
            raise ValueError(f"mutable default {type(f.default)} for field {name} is not allowed: use default_factory")
        f.name, f.type, f._field_type = name, annotation, _FIELD
        if f.kw_only is _MISSING:
            f.kw_only = kw_only
        found[name] = f
    return found


def _getter(names: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    """The values of these attributes as a tuple (attrgetter gives a bare value for one name)."""
    if len(names) == 1:
        one = attrgetter(names[0])
        return lambda obj: (one(obj),)
    if not names:
        return lambda obj: ()
    return attrgetter(*names)


def _make_init(fields: list[dataclasses.Field[Any]], post_init: Any) -> Callable[..., None]:
    positional = tuple(f.name for f in fields if f.init and not f.kw_only)
    table: tuple[tuple[str, Any, Any], ...] = tuple((f.name, f.default, f.default_factory) for f in fields if f.init)
    # Fields left out of __init__ still get their default, as dataclass's __init__ sets them.
    fixed: tuple[tuple[str, Any, Any], ...] = tuple((f.name, f.default, f.default_factory) for f in fields
                  if not f.init and (f.default is not _MISSING or f.default_factory is not _MISSING))

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        if args:
            if len(args) > len(positional):
                raise TypeError(f"{type(self).__qualname__}.__init__() takes {len(positional) + 1} positional "
                                f"arguments but {len(args) + 1} were given")
            for name, value in zip(positional, args, strict=False):
                if name in kwargs:
                    raise TypeError(f"{type(self).__qualname__}.__init__() got multiple values for argument '{name}'")
                kwargs[name] = value
        for name, default, factory in table:
            value = kwargs.pop(name, _MISSING)
            if value is _MISSING:
                if default is not _MISSING:
                    value = default
                elif factory is not _MISSING:
                    value = factory()
                else:
                    raise TypeError(f"{type(self).__qualname__}.__init__() missing 1 required argument: '{name}'")
            _set(self, name, value)
        if kwargs:
            raise TypeError(f"{type(self).__qualname__}.__init__() got an unexpected keyword argument "
                            f"'{next(iter(kwargs))}'")
        for name, default, factory in fixed:
            _set(self, name, default if default is not _MISSING else factory())
        if post_init is not None:
            post_init(self)

    return __init__


def _make_methods(owner: list[Any], fields: list[dataclasses.Field[Any]], frozen: bool,
                  post_init: Any) -> dict[str, Any]:
    """The methods dataclass would write for a class, as closures over its field table (`owner` holds
    the class once it exists: the frozen checks name it)."""
    compared = _getter(tuple(f.name for f in fields if f.compare))
    hashed = _getter(tuple(f.name for f in fields if (f.compare if f.hash is None else f.hash)))
    shown = tuple(f.name for f in fields if f.repr)
    names = frozenset(f.name for f in fields)

    def __eq__(self: Any, other: Any) -> Any:
        if other.__class__ is self.__class__:
            return compared(self) == compared(other)
        return NotImplemented

    def __hash__(self: Any) -> int:
        return hash(hashed(self))

    def __repr__(self: Any) -> str:
        inner = ", ".join(f"{name}={getattr(self, name)!r}" for name in shown)
        return f"{self.__class__.__qualname__}({inner})"

    def __setattr__(self: Any, name: str, value: Any) -> None:
        if type(self) is owner[0] or name in names:
            raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")
        super(owner[0], self).__setattr__(name, value)

    def __delattr__(self: Any, name: str) -> None:
        if type(self) is owner[0] or name in names:
            raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")
        super(owner[0], self).__delattr__(name)

    methods: dict[str, Any] = {"__init__": _make_init(fields, post_init), "__repr__": __repr__, "__eq__": __eq__}
    if frozen:
        methods.update(__hash__=__hash__, __setattr__=__setattr__, __delattr__=__delattr__)
    return methods


def _make_state(fields: list[dataclasses.Field[Any]]) -> dict[str, Any]:
    """Pickling of a frozen slotted class as dataclass's: the field values as a list, set back past the
    frozen __setattr__."""
    names = tuple(f.name for f in fields)

    def __getstate__(self: Any) -> list[Any]:
        return [getattr(self, name) for name in names]

    def __setstate__(self: Any, state: list[Any]) -> None:
        for name, value in zip(names, state, strict=True):
            _set(self, name, value)

    return {"__getstate__": __getstate__, "__setstate__": __setstate__}


def _build(cls: type[T], frozen: bool, slots: bool, kw_only: bool) -> type[T]:
    found = _collect(cls, kw_only)
    fields = list(found.values())
    own = cls.__dict__
    owner: list[Any] = []
    # What dataclass adds to the class: its fields, the methods the class body does not define itself
    # (a body that defines __eq__ gets __hash__ = None implicitly: dataclass then leaves both alone).
    added: dict[str, Any] = {"__dataclass_fields__": found}
    keep = {name for name in ("__init__", "__repr__", "__eq__", "__setattr__", "__delattr__") if name in own}
    user_hash = "__hash__" in own and not (own["__hash__"] is None and "__eq__" in own)
    for name, method in _make_methods(owner, fields, frozen, getattr(cls, "__post_init__", None)).items():
        if name in keep or (name == "__hash__" and user_hash):
            continue
        method.__qualname__ = f"{cls.__qualname__}.{name}"
        added[name] = method
    if not frozen and "__eq__" not in keep and not user_hash:
        added["__hash__"] = None
    if slots and frozen:
        added.update(_make_state(fields))
    if "__match_args__" not in own:
        added[_MATCH_ARGS] = tuple(f.name for f in fields if f.init and not f.kw_only)
    if slots:  # a new class with __slots__, made once with everything in its namespace
        inherited = {s for base in cls.__mro__[1:] for s in getattr(base, "__slots__", ())}
        namespace = {k: v for k, v in own.items() if k not in found and k not in ("__dict__", "__weakref__")}
        namespace.update(added, __slots__=tuple(f.name for f in fields if f.name not in inherited))
        meta: Any = type(cls)
        cls = meta(cls.__name__, cls.__bases__, namespace)
    else:
        for f in fields:  # class attributes hold the plain defaults, as dataclass leaves them
            if f.name in own:
                if f.default is _MISSING:
                    delattr(cls, f.name)
                else:
                    setattr(cls, f.name, f.default)
        for name, value in added.items():
            setattr(cls, name, value)
    owner.append(cls)
    return cls


@overload
def record(cls: type[T], /) -> type[T]: ...
@overload
def record(*, frozen: bool = ..., slots: bool = ..., kw_only: bool = ...) -> Callable[[type[T]], type[T]]: ...


@dataclass_transform(field_specifiers=(dataclasses.field, dataclasses.Field))
def record(cls: type[T] | None = None, /, *, frozen: bool = False, slots: bool = False,
           kw_only: bool = False) -> type[T] | Callable[[type[T]], type[T]]:
    """`@dataclass` with the options the skill uses, without compiling code per class."""
    if cls is None:
        return lambda c: _build(c, frozen, slots, kw_only)
    return _build(cls, frozen, slots, kw_only)


__all__ = ["record"]
