"""`record`: the dataclasses the running skill defines, made without generating code at import.

`@dataclass` writes the source of `__init__`, `__eq__`, `__repr__`, `__hash__`, `__setattr__`... for each
class and compiles it: about half a millisecond a class, and the skill defines some eighty, all paid by
every Lambda cold start. `@record` takes the same options the skill uses (`frozen`, `slots`, `kw_only`,
and `dataclasses.field` for defaults, `repr` and `compare`) and gives the class the same behaviour
through methods shared by every record, which read the class's field table; the table is made when the
class is first used (constructed, compared, unpickled, or asked for its fields), so a class a cold start
never touches costs only its creation:

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
_FIELDS = "__dataclass_fields__"
_TABLE = "__record_table__"  # a class's Table, once made
_SPEC = "__record_spec__"  # what the decorator was given: (frozen, kw_only, own defaults by field name)


def _is_classvar(annotation: Any) -> bool:
    """A ClassVar annotation (a string under `from __future__ import annotations`): not a field."""
    if isinstance(annotation, str):
        return annotation.startswith(("ClassVar", "typing.ClassVar", "t.ClassVar"))
    return getattr(annotation, "__origin__", None) is ClassVar


def _getter(names: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    """The values of these attributes as a tuple (attrgetter gives a bare value for one name)."""
    if len(names) == 1:
        one = attrgetter(names[0])
        return lambda obj: (one(obj),)
    if not names:
        return lambda obj: ()
    return attrgetter(*names)


def _collect(cls: type) -> dict[str, dataclasses.Field[Any]]:
    """The class's fields in dataclass's order: the bases' (records or dataclasses) first, then its own."""
    _, kw_only, defaults = cls.__dict__[_SPEC]
    found: dict[str, dataclasses.Field[Any]] = {}
    for base in cls.__mro__[-1:0:-1]:
        found.update(getattr(base, _FIELDS, None) or {})
    for name, annotation in inspect.get_annotations(cls).items():
        if _is_classvar(annotation):
            continue
        value = defaults.get(name, _MISSING)
        f: Any = value if isinstance(value, dataclasses.Field) else dataclasses.field(default=value)
        f.name, f.type, f._field_type = name, annotation, _FIELD
        if f.kw_only is _MISSING:
            f.kw_only = kw_only
        found[name] = f
    return found


class _LazyFields:
    """`__dataclass_fields__` of a record, made at its first reading (dataclasses.fields, replace...)."""

    def __init__(self) -> None:
        self.owner: Any = None

    def __get__(self, instance: Any, owner: Any) -> dict[str, dataclasses.Field[Any]]:
        cls = self.owner
        found = _collect(cls)
        type.__setattr__(cls, _FIELDS, found)
        return found


class _LazyMatchArgs:
    """`__match_args__` of a record, made at its first reading (a `match` statement's class pattern)."""

    def __init__(self) -> None:
        self.owner: Any = None

    def __get__(self, instance: Any, owner: Any) -> tuple[str, ...]:
        cls = self.owner
        names = tuple(f.name for f in dataclasses.fields(cls) if f.init and not f.kw_only)
        type.__setattr__(cls, _MATCH_ARGS, names)
        return names


class Table:
    """What a record's shared methods need, made once per class from its fields."""

    __slots__ = ("compared", "fixed", "frozen", "hashed", "names", "owner", "positional", "post_init", "shown",
                 "takes")

    def __init__(self, cls: Any):
        fields = dataclasses.fields(cls)
        self.owner = cls
        self.frozen = cls.__dict__[_SPEC][0]
        self.names = tuple(f.name for f in fields)
        self.positional = tuple(f.name for f in fields if f.init and not f.kw_only)
        self.takes: tuple[tuple[str, Any, Any], ...] = tuple(
            (f.name, f.default, f.default_factory) for f in fields if f.init)
        # Fields left out of __init__ still get their default, as dataclass's __init__ sets them.
        self.fixed: tuple[tuple[str, Any, Any], ...] = tuple(
            (f.name, f.default, f.default_factory) for f in fields
            if not f.init and (f.default is not _MISSING or f.default_factory is not _MISSING))
        self.post_init = getattr(cls, "__post_init__", None)
        self.compared = _getter(tuple(f.name for f in fields if f.compare))
        self.hashed = _getter(tuple(f.name for f in fields if (f.compare if f.hash is None else f.hash)))
        self.shown = tuple(f.name for f in fields if f.repr)


def _table(cls: Any) -> Table:
    """The table of the record class that defines the method being run (a subclass that is no record
    uses its record base's, as it would use a dataclass base's methods)."""
    made: Table | None = cls.__dict__.get(_TABLE)
    return made if made is not None else _first_table(cls)


def _first_table(cls: Any) -> Table:
    for klass in cls.__mro__:
        found = klass.__dict__.get(_TABLE)
        if found is not None:
            return found  # type: ignore[no-any-return]
        if _SPEC in klass.__dict__:
            made = Table(klass)
            type.__setattr__(klass, _TABLE, made)
            return made
    raise TypeError(f"{cls.__qualname__} is not a record")


# ---- the methods every record shares ----------------------------------------------------------------


def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
    t = _table(type(self))
    if args:
        if len(args) > len(t.positional):
            raise TypeError(f"{type(self).__qualname__}.__init__() takes {len(t.positional) + 1} positional "
                            f"arguments but {len(args) + 1} were given")
        for name, value in zip(t.positional, args, strict=False):
            if name in kwargs:
                raise TypeError(f"{type(self).__qualname__}.__init__() got multiple values for argument '{name}'")
            kwargs[name] = value
    for name, default, factory in t.takes:
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
    for name, default, factory in t.fixed:
        _set(self, name, default if default is not _MISSING else factory())
    if t.post_init is not None:
        t.post_init(self)


def __eq__(self: Any, other: Any) -> Any:
    if other.__class__ is self.__class__:
        compared = _table(type(self)).compared
        return compared(self) == compared(other)
    return NotImplemented


def __hash__(self: Any) -> int:
    return hash(_table(type(self)).hashed(self))


def __repr__(self: Any) -> str:
    inner = ", ".join(f"{name}={getattr(self, name)!r}" for name in _table(type(self)).shown)
    return f"{self.__class__.__qualname__}({inner})"


def __setattr__(self: Any, name: str, value: Any) -> None:
    t = _table(type(self))
    if type(self) is t.owner or name in t.names:
        raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")
    super(t.owner, self).__setattr__(name, value)


def __delattr__(self: Any, name: str) -> None:
    t = _table(type(self))
    if type(self) is t.owner or name in t.names:
        raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")
    super(t.owner, self).__delattr__(name)


def __getstate__(self: Any) -> list[Any]:
    """A frozen slotted record pickles as dataclass's: its field values as a list."""
    return [getattr(self, name) for name in _table(type(self)).names]


def __setstate__(self: Any, state: list[Any]) -> None:
    for name, value in zip(_table(type(self)).names, state, strict=True):
        _set(self, name, value)


_SHARED = {"__init__": __init__, "__repr__": __repr__, "__eq__": __eq__}
_FROZEN = {"__hash__": __hash__, "__setattr__": __setattr__, "__delattr__": __delattr__}
_STATE = {"__getstate__": __getstate__, "__setstate__": __setstate__}


def _build(cls: type[T], frozen: bool, slots: bool, kw_only: bool) -> type[T]:
    own = cls.__dict__
    annotations = own.get("__annotations__", {})
    names = [name for name, annotation in annotations.items() if not _is_classvar(annotation)]
    defaults = {name: own[name] for name in names if name in own}
    for name, value in defaults.items():
        if isinstance(value, (list, dict, set)):
            raise ValueError(f"mutable default {type(value)} for field {name} is not allowed: use default_factory")
    fields, match_args = _LazyFields(), _LazyMatchArgs()
    added: dict[str, Any] = {_SPEC: (frozen, kw_only, defaults), _FIELDS: fields}
    # The methods the class body does not define itself (a body that defines __eq__ gets __hash__ = None
    # implicitly: dataclass then leaves both alone).
    keep = {name for name in ("__init__", "__repr__", "__eq__", "__setattr__", "__delattr__") if name in own}
    user_hash = "__hash__" in own and not (own["__hash__"] is None and "__eq__" in own)
    methods = {**_SHARED, **(_FROZEN if frozen else {}), **(_STATE if slots and frozen else {})}
    added.update({name: method for name, method in methods.items()
                  if name not in keep and not (name == "__hash__" and user_hash)})
    if not frozen and "__eq__" not in keep and not user_hash:
        added["__hash__"] = None
    if _MATCH_ARGS not in own:
        added[_MATCH_ARGS] = match_args
    if slots:  # a new class with __slots__, made once with everything in its namespace
        inherited = {s for base in cls.__mro__[1:] for s in getattr(base, "__slots__", ())}
        namespace = {k: v for k, v in own.items() if k not in defaults and k not in ("__dict__", "__weakref__")}
        namespace.update(added, __slots__=tuple(name for name in names if name not in inherited))
        meta: Any = type(cls)
        cls = meta(cls.__name__, cls.__bases__, namespace)
    else:
        for name, value in defaults.items():  # class attributes hold the plain defaults, as dataclass leaves them
            default = value.default if isinstance(value, dataclasses.Field) else value
            if default is _MISSING:
                delattr(cls, name)
            else:
                setattr(cls, name, default)
        for name, value in added.items():
            setattr(cls, name, value)
    fields.owner = match_args.owner = cls
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
