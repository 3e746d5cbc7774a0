"""Per-user state behind the ASK SDK persistence-adapter interface: SQLite by default, DynamoDB if set.

Users are keyed by a SHA-256 hash of the Alexa userId; only progress and preferences are stored
(and a pregnancy flag, only after the user has said so; removed when they say it no longer applies).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import sqlite3
import time
from collections.abc import Mapping
from contextlib import closing
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter
from ask_sdk_core.exceptions import PersistenceException

from skill.runtime.engine import Preferences, RoutineState

if TYPE_CHECKING:
    from ask_sdk_model import RequestEnvelope

log = logging.getLogger(__name__)

DB_ENV = "ACUPRESSURE_DB"
DYNAMODB_TABLE_ENV = "ACUPRESSURE_DYNAMODB_TABLE"
DYNAMODB_CREATE_ENV = "ACUPRESSURE_DYNAMODB_CREATE"
DYNAMODB_ENDPOINT_ENV = "ACUPRESSURE_DYNAMODB_ENDPOINT"
DEFAULT_DB = Path(__file__).resolve().parents[2] / "var" / "acupressure.sqlite3"
PROFILE_SCHEMA = 1
# The whole reply must arrive within about 8 s: a locked SQLite file waits at most this long per call
# (a failed load skips the save, so one request waits at most for a load, or for a load and a save).
SQLITE_BUSY_TIMEOUT_S = 1.5
# A dead or black-holed DynamoDB endpoint must fail within the budget too: per call at most
# attempts x (connect + read) plus one short backoff, about 6 s.
DYNAMODB_CONNECT_TIMEOUT_S = 1.0
DYNAMODB_READ_TIMEOUT_S = 1.5
DYNAMODB_MAX_ATTEMPTS = 2


def user_id(envelope: RequestEnvelope) -> str | None:
    """The Alexa userId from the context (present on every request, AudioPlayer events included)."""
    try:
        return envelope.context.system.user.user_id or None
    except AttributeError:
        pass
    try:
        return envelope.session.user.user_id or None
    except AttributeError:
        return None


def hashed_user_key(envelope: RequestEnvelope) -> str:
    """Partition key: SHA-256 of the userId, so the store never holds Alexa's identifier."""
    uid = user_id(envelope)
    if not uid:
        raise PersistenceException("request has no userId")
    return hashlib.sha256(uid.encode("utf-8")).hexdigest()


def describe(exc: BaseException) -> str:
    """A storage failure for the log: exception classes and driver messages, never the stored data."""
    parts = [type(exc).__name__]
    # The ASK SDK's DynamoDB adapter wraps the boto error as text: keep only its class name.
    wrapped = re.search(r"Exception of type (\w+)", str(exc))
    if wrapped:
        parts.append(wrapped.group(1))
    cause = exc.__cause__
    if isinstance(cause, sqlite3.Error):
        parts.append(f"{type(cause).__name__}: {cause}")
    elif cause is not None:
        parts.append(type(cause).__name__)
    return " <- ".join(parts)


def _plain(value: Any) -> Any:
    """DynamoDB returns numbers as Decimal; turn them back into int/float."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


@dataclass
class Profile:
    """Everything remembered about one user between sessions."""

    prefs: Preferences = field(default_factory=Preferences)
    progress: RoutineState | None = None
    disclaimer_heard: bool = False
    sessions: int = 0
    last_routine_id: str | None = None
    # Safety: set only from the user's own words ("I'm pregnant"); asked = they answered the question.
    pregnant: bool = False
    pregnancy_asked: bool = False
    # AudioPlayer: the last playback failed (told at the next launch); a routine finished while
    # playing with no session open, so its close and the reminder offer wait for the next launch.
    playback_failed: bool = False
    close_pending: str | None = None
    # Daily reminder: the time of day chosen, or declined (so it is offered once).
    reminder: str | None = None
    reminder_declined: bool = False

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "schema": PROFILE_SCHEMA,
            "prefs": self.prefs.to_dict(),
            "progress": self.progress.to_dict() if self.progress else None,
            "disclaimer_heard": self.disclaimer_heard,
            "sessions": self.sessions,
            "last_routine_id": self.last_routine_id,
        }
        # Optional facts are stored only when they hold, so a profile carries nothing it need not.
        optional = {"pregnant": self.pregnant, "pregnancy_asked": self.pregnancy_asked,
                    "playback_failed": self.playback_failed, "close_pending": self.close_pending,
                    "reminder": self.reminder, "reminder_declined": self.reminder_declined}
        data.update({k: v for k, v in optional.items() if v})
        return data

    @staticmethod
    def from_dict(data: Mapping[str, Any] | None) -> Profile:
        """A stored profile; unreadable parts fall back to defaults rather than failing the request."""
        data = _plain(dict(data or {}))
        try:
            sessions = int(data.get("sessions", 0))
        except (TypeError, ValueError):
            sessions = 0
        last = data.get("last_routine_id")
        close = data.get("close_pending")
        reminder = data.get("reminder")
        return Profile(
            prefs=Preferences.from_dict(data.get("prefs") if isinstance(data.get("prefs"), dict) else None),
            progress=RoutineState.from_dict(data.get("progress") if isinstance(data.get("progress"), dict) else None),
            disclaimer_heard=bool(data.get("disclaimer_heard", False)),
            sessions=sessions,
            last_routine_id=last if isinstance(last, str) else None,
            pregnant=data.get("pregnant") is True,
            pregnancy_asked=data.get("pregnancy_asked") is True,
            playback_failed=data.get("playback_failed") is True,
            close_pending=close if isinstance(close, str) else None,
            reminder=reminder if isinstance(reminder, str) else None,
            reminder_declined=data.get("reminder_declined") is True,
        )


class SQLiteAdapter(AbstractPersistenceAdapter):
    """Persistence in one SQLite file (embedded; safe across threads: one connection per call)."""

    def __init__(self, path: Path | str, timeout_s: float = SQLITE_BUSY_TIMEOUT_S):
        self.path = Path(path)
        self.timeout_s = timeout_s
        self._ready = False
        try:
            self._prepare()
        except (OSError, sqlite3.Error) as exc:
            # An unusable file at cold start must not stop the container (a crash loop); every
            # request tries again, and gets a spoken reply while storage is down.
            log.error("SQLite store not ready, will retry: %s: %s", type(exc).__name__, exc)

    def _prepare(self) -> None:
        """Create the directory, WAL mode and the table once; retried until it succeeds."""
        if self._ready:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as db, db:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(
                "CREATE TABLE IF NOT EXISTS attributes ("
                " id TEXT PRIMARY KEY, attributes TEXT NOT NULL, updated_at REAL NOT NULL)"
            )
        self._ready = True

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=self.timeout_s)

    def _open(self) -> sqlite3.Connection:
        try:
            self._prepare()
        except OSError as exc:
            raise sqlite3.OperationalError(f"cannot open the store: {type(exc).__name__}") from exc
        return self._connect()

    def get_attributes(self, request_envelope: RequestEnvelope) -> dict[str, Any]:
        key = hashed_user_key(request_envelope)
        try:
            with closing(self._open()) as db:
                row = db.execute("SELECT attributes FROM attributes WHERE id = ?", (key,)).fetchone()
        except sqlite3.Error as exc:
            raise PersistenceException(f"SQLite read failed: {exc}") from exc
        if row is None:
            return {}
        try:
            data = json.loads(row[0])
        except json.JSONDecodeError:
            log.warning("unreadable attributes for a user; starting fresh")
            return {}
        return data if isinstance(data, dict) else {}

    def save_attributes(self, request_envelope: RequestEnvelope, attributes: dict[str, Any]) -> None:
        key = hashed_user_key(request_envelope)
        try:
            with closing(self._open()) as db, db:
                db.execute(
                    "INSERT INTO attributes (id, attributes, updated_at) VALUES (?, ?, ?)"
                    " ON CONFLICT(id) DO UPDATE SET attributes = excluded.attributes,"
                    " updated_at = excluded.updated_at",
                    (key, json.dumps(attributes, sort_keys=True), time.time()),
                )
        except sqlite3.Error as exc:
            raise PersistenceException(f"SQLite write failed: {exc}") from exc

    def delete_attributes(self, request_envelope: RequestEnvelope) -> None:
        key = hashed_user_key(request_envelope)
        try:
            with closing(self._open()) as db, db:
                db.execute("DELETE FROM attributes WHERE id = ?", (key,))
        except sqlite3.Error as exc:
            raise PersistenceException(f"SQLite delete failed: {exc}") from exc


def dynamodb_adapter(table: str, *, create_table: bool = False, endpoint_url: str | None = None,
                     region_name: str | None = None) -> AbstractPersistenceAdapter:
    """The ASK SDK's DynamoDB adapter, keyed by the hashed userId (imports boto3 only when used)."""
    import boto3
    from ask_sdk_dynamodb.adapter import DynamoDbAdapter
    from botocore.config import Config as BotoConfig

    config = BotoConfig(connect_timeout=DYNAMODB_CONNECT_TIMEOUT_S, read_timeout=DYNAMODB_READ_TIMEOUT_S,
                        retries={"total_max_attempts": DYNAMODB_MAX_ATTEMPTS, "mode": "standard"})
    resource = boto3.resource("dynamodb", endpoint_url=endpoint_url, region_name=region_name, config=config)

    def adapter(create: bool) -> DynamoDbAdapter:
        return DynamoDbAdapter(table_name=table, partition_key_name="id", attribute_name="attributes",
                               create_table=create, partition_keygen=hashed_user_key, dynamodb_resource=resource)

    if create_table:
        try:
            return adapter(True)
        except PersistenceException as exc:
            # DynamoDB down at cold start: serve anyway (each request gets a reply); no crash loop.
            log.error("DynamoDB table not created, continuing: %s", describe(exc))
    return adapter(False)


def adapter_from_env(env: Mapping[str, str] | None = None) -> AbstractPersistenceAdapter:
    """DynamoDB if ACUPRESSURE_DYNAMODB_TABLE is set, else the SQLite file at ACUPRESSURE_DB."""
    env = os.environ if env is None else env
    table = env.get(DYNAMODB_TABLE_ENV)
    if table:
        return dynamodb_adapter(
            table,
            create_table=env.get(DYNAMODB_CREATE_ENV, "").lower() in ("1", "true", "yes"),
            endpoint_url=env.get(DYNAMODB_ENDPOINT_ENV) or None,
        )
    return SQLiteAdapter(env.get(DB_ENV) or DEFAULT_DB)
