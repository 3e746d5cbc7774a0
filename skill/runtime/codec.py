"""The ASK SDK's DefaultSerializer, with the same results at a fraction of the cost per request.

The SDK's serializer re-reads each model class's type strings, resolves class names by import and
parses timestamps with python-dateutil on every request; the request pipeline also had to turn the
parsed event back into JSON text for it. `FastSerializer` compiles one plan per type the first time
it meets it (which attribute comes from which key, and how each value is built) and then only runs
the plans: the handlers still get real ask_sdk_model objects, built by the models' own constructors
and the same discriminators, and replies serialize to the same dictionaries. Alexa's timestamps
("2026-12-02T14:42:46Z") are read with `datetime.fromisoformat`; anything else still goes through
dateutil, as in the SDK.
"""

from __future__ import annotations

import decimal
import importlib
import json
import re
import sys
import threading
from collections.abc import Callable
from datetime import date, datetime
from enum import Enum
from typing import Any

from ask_sdk_core.exceptions import SerializationException
from ask_sdk_core.serialize import DefaultSerializer

Plan = Callable[[Any], Any]

# Alexa's own form of a timestamp; other ISO 8601 spellings take dateutil's path, as in the SDK.
_ALEXA_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,6})?(?:Z|[+-]\d\d:\d\d)?")
_LIST = re.compile(r"list\[(.*)\]")
_DICT = re.compile(r"dict\(([^,]*), (.*)\)")
_PRIMITIVES: tuple[type, ...] = (float, bool, bytes, str, int)
_NATIVE: dict[str, type] = {"int": int, "long": int, "float": float, "str": str, "bool": bool, "date": date,
                            "datetime": datetime, "object": object}


def _class_named(name: str) -> Any:
    """The class a model's type string names ('ask_sdk_model.session.Session')."""
    module_name, _, class_name = name.rpartition(".")
    try:
        module = importlib.import_module(module_name) if module_name else sys.modules[DefaultSerializer.__module__]
        return getattr(module, class_name)
    except Exception as exc:
        raise SerializationException(f"Unable to resolve class {name} from installed modules: {exc}") from exc


def _primitive(kind: type) -> Plan:
    def build(payload: Any) -> Any:
        try:
            return kind(payload)
        except UnicodeEncodeError:
            return str(payload)
        except TypeError:
            return payload
        except ValueError as exc:
            raise SerializationException(f"Failed to parse {payload} into '{kind.__name__}' object") from exc
    return build


def _timestamp(kind: type) -> Plan:
    def build(payload: Any) -> Any:
        parsed: datetime | None = None
        if isinstance(payload, str) and _ALEXA_TIMESTAMP.fullmatch(payload):
            try:
                parsed = datetime.fromisoformat(payload)
            except ValueError:
                parsed = None
        if parsed is None:
            from dateutil.parser import parse

            try:
                parsed = parse(payload)
            except ValueError as exc:
                raise SerializationException(f"Failed to parse {payload} into '{kind.__name__}' object") from exc
        return parsed.date() if kind is date else parsed
    return build


def _identity(payload: Any) -> Any:
    return payload


class FastSerializer(DefaultSerializer):
    """DefaultSerializer's behaviour with a compiled plan per type (thread-safe: plans are only added)."""

    def __init__(self) -> None:
        self._plans: dict[Any, Plan] = {}
        self._models: dict[type, Plan] = {}
        self._fields: dict[type, tuple[tuple[str, str], ...]] = {}
        self._lock = threading.RLock()

    # -- reading -------------------------------------------------------------------------------------
    def deserialize(self, payload: Any, obj_type: Any) -> Any:
        """As the SDK: `payload` is JSON text."""
        if payload is None:
            return None
        try:
            data = json.loads(payload)
        except Exception as exc:
            raise SerializationException(f"Couldn't parse response body: {payload}") from exc
        return self.from_data(data, obj_type)

    def from_data(self, data: Any, obj_type: Any) -> Any:
        """The object of `obj_type` that the SDK would build from `data` (parsed JSON), without JSON text."""
        if data is None:
            return None
        try:
            return self._plan(obj_type)(data)
        except SerializationException:
            raise
        except Exception as exc:
            raise SerializationException(str(exc)) from exc

    def _plan(self, obj_type: Any) -> Plan:
        plan = self._plans.get(obj_type)
        if plan is None:
            with self._lock:
                plan = self._plans.get(obj_type) or self._compile(obj_type)
                self._plans[obj_type] = plan
        return plan

    def _compile(self, obj_type: Any) -> Plan:
        if isinstance(obj_type, str):
            if obj_type.startswith("list["):
                return self._list_plan(obj_type)
            if obj_type.startswith("dict("):
                match = _DICT.match(obj_type)
                if match is None:
                    return lambda payload: {}
                value_type = match.group(2)
                return lambda payload: {k: (None if v is None else self._plan(value_type)(v))
                                        for k, v in payload.items()}
            obj_type = _NATIVE[obj_type] if obj_type in _NATIVE else _class_named(obj_type)
        if obj_type in _PRIMITIVES:
            return _primitive(obj_type)
        if obj_type is object:
            return _identity
        if obj_type is date or obj_type is datetime:
            return _timestamp(obj_type)
        if isinstance(obj_type, type) and issubclass(obj_type, Enum):
            return obj_type
        if not hasattr(obj_type, "deserialized_types"):
            return _identity
        if hasattr(obj_type, "get_real_child_model"):
            base = obj_type
            children: dict[Any, Plan] = {}

            def by_discriminator(payload: Any) -> Any:
                name = base.get_real_child_model(payload)
                child = children.get(name)
                if child is None:
                    if not name:
                        raise SerializationException(f"Couldn't resolve object by discriminator type for {base} class")
                    child = children[name] = self._model(_class_named(name))
                return child(payload)
            return by_discriminator
        return self._model(obj_type)

    def _list_plan(self, obj_type: str) -> Plan:
        match = _LIST.match(obj_type)
        if match is None:
            return lambda payload: []
        inner = match.group(1)
        if "," in inner:
            types = [t.strip() for t in inner.split(",")]
            return lambda payload: [None if p is None else self._plan(t)(p)
                                    for p, t in zip(payload, types, strict=False)]
        item_type = inner.strip()
        return lambda payload: [None if p is None else self._plan(item_type)(p) for p in payload]

    @staticmethod
    def _attribute_map(cls: Any) -> dict[str, str]:
        """attribute name -> JSON key, as the SDK completes it (attributes missing from the map keep their name)."""
        mapping = dict(getattr(cls, "attribute_map", {}))
        mapping.update({k: k for k in cls.deserialized_types if k not in mapping})
        return mapping

    def _model(self, cls: Any) -> Plan:
        """Build `cls` from a dict: the constructor's defaults, then each key present, then unknown keys
        (set under their own names, after the known ones, as the SDK does)."""
        plan = self._models.get(cls)
        if plan is not None:
            return plan
        with self._lock:
            types = cls.deserialized_types
            # JSON key -> [attribute, type string, plan once first needed]
            by_key: dict[str, list[Any]] = {key: [attr, types[attr], None]
                                            for attr, key in self._attribute_map(cls).items()}

            def build(payload: Any) -> Any:
                if not isinstance(payload, dict):
                    raise SerializationException(f"expected an object for {cls.__name__}")
                obj = cls()
                extra = None
                for key, value in payload.items():
                    spec = by_key.get(key)
                    if spec is None:
                        extra = [*(extra or ()), key]
                    elif value is None:
                        setattr(obj, spec[0], None)
                    else:
                        sub = spec[2]
                        if sub is None:
                            sub = spec[2] = self._plan(spec[1])
                        setattr(obj, spec[0], sub(value))
                for key in extra or ():
                    setattr(obj, key, payload[key])
                return obj
            self._models[cls] = build
            return build

    # -- writing -------------------------------------------------------------------------------------
    def serialize(self, obj: Any) -> Any:
        """As the SDK: models become dicts of their set attributes under their JSON keys."""
        fields = self._fields.get(type(obj))
        if fields is None:
            if obj is None or isinstance(obj, _PRIMITIVES):
                return obj
            if isinstance(obj, dict):
                return {key: self.serialize(val) for key, val in obj.items()}
            if isinstance(obj, list):
                return [self.serialize(sub) for sub in obj]
            if isinstance(obj, tuple):
                return tuple(self.serialize(sub) for sub in obj)
            if isinstance(obj, datetime | date):
                return obj.isoformat()
            if isinstance(obj, Enum):
                return obj.value
            if isinstance(obj, decimal.Decimal):
                return int(obj) if obj % 1 == 0 else float(obj)
            cls = type(obj)
            mapping = self._attribute_map(cls)
            fields = self._fields[cls] = tuple((attr, mapping[attr]) for attr in cls.deserialized_types)
        out = {}
        for attr, key in fields:
            value = getattr(obj, attr)
            if value is not None:
                out[key] = self.serialize(value)
        return out
