"""Per-user state behind the ASK SDK persistence-adapter interface: SQLite by default, DynamoDB if set.

Users are keyed by a SHA-256 hash of the Alexa userId; only progress and preferences are stored
(and a pregnancy flag, only after the user has said so; removed when they say it no longer applies).
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter
from ask_sdk_core.exceptions import PersistenceException

from skill.runtime.digest import hexdigest
from skill.runtime.engine import Preferences, RoutineState
from skill.runtime.records import record

if TYPE_CHECKING:
    from ask_sdk_model.request_envelope import RequestEnvelope

    from skill.runtime.dynamo import DynamoDbClient

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
    system = envelope.context.system if envelope.context else None
    user = system.user if system else None
    if user is None and envelope.session is not None:
        user = envelope.session.user
    return (user.user_id if user else None) or None


def hashed_user_key(envelope: RequestEnvelope) -> str:
    """Partition key: SHA-256 of the userId, so the store never holds Alexa's identifier."""
    uid = user_id(envelope)
    if not uid:
        raise PersistenceException("request has no userId")
    return hexdigest(uid)


def describe(exc: BaseException) -> str:
    """A storage failure for the log: exception classes, error codes and SQLite's messages, never the
    stored data."""
    parts = [type(exc).__name__]
    cause = exc.__cause__
    if isinstance(cause, sqlite3.Error):
        parts.append(f"{type(cause).__name__}: {cause}")
    elif (dynamo := sys.modules.get("skill.runtime.dynamo")) is not None and isinstance(cause, dynamo.DynamoDbError):
        # (The client is loaded with the first DynamoDB call: before it, no DynamoDbError exists.)
        # The service's error code (throttled, server error, ...) or the connection's failure, never its
        # message (which may quote the request).
        parts.append(f"{type(cause).__name__} ({cause.code})")
    elif cause is not None:
        parts.append(type(cause).__name__)
    return " <- ".join(parts)


@record
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
    # Her midwife or practitioner said acupressure is fine (still no avoided points, seated or side-lying).
    pregnancy_cleared: bool = False
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
                    "pregnancy_cleared": self.pregnancy_cleared,
                    "playback_failed": self.playback_failed, "close_pending": self.close_pending,
                    "reminder": self.reminder, "reminder_declined": self.reminder_declined}
        data.update({k: v for k, v in optional.items() if v})
        return data

    @staticmethod
    def from_dict(data: Mapping[str, Any] | None) -> Profile:
        """A stored profile; unreadable parts fall back to defaults rather than failing the request. The
        adapters hand over plain data (DynamoDB's numbers come back as int or float)."""
        data = dict(data or {})
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
            pregnancy_cleared=data.get("pregnancy_cleared") is True,
            playback_failed=data.get("playback_failed") is True,
            close_pending=close if isinstance(close, str) else None,
            reminder=reminder if isinstance(reminder, str) else None,
            reminder_declined=data.get("reminder_declined") is True,
        )


class SQLiteAdapter(AbstractPersistenceAdapter):
    """Persistence in one SQLite file through one connection per process, shared by its threads.

    WAL mode lets other processes (the web service's workers, a backup, `sqlite3` in a shell) read
    while this one writes; synchronous=NORMAL commits without an fsync (WAL stays crash-safe: a
    power cut may lose the last turns, never corrupt the file). Before each call the file is
    checked to still be the one the connection opened: a file moved, replaced or made unreachable
    is reopened, or fails the call, as if every call opened it afresh.
    """

    def __init__(self, path: Path | str, timeout_s: float = SQLITE_BUSY_TIMEOUT_S):
        self.path = Path(path)
        self.timeout_s = timeout_s
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        self._identity: tuple[int, int] | None = None
        self._pid = 0
        try:
            with self._lock:
                self._connection()
        except sqlite3.Error as exc:
            # An unusable file at cold start must not stop the container (a crash loop); every
            # request tries again, and gets a spoken reply while storage is down.
            log.error("SQLite store not ready, will retry: %s: %s", type(exc).__name__, exc)

    def _file_identity(self) -> tuple[int, int] | None:
        """(device, inode) of the file now at the path; None if there is none yet."""
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise sqlite3.OperationalError(f"cannot open the store: {type(exc).__name__}") from exc
        return st.st_dev, st.st_ino

    def _connection(self) -> sqlite3.Connection:
        """The open connection, if it still reaches the file at the path; else a new one (lock held)."""
        identity = self._file_identity()
        if self._db is not None and identity == self._identity and self._pid == os.getpid():
            return self._db
        self._drop()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise sqlite3.OperationalError(f"cannot open the store: {type(exc).__name__}") from exc
        # Autocommit: each statement is its own transaction, so no read snapshot outlives its call.
        db = sqlite3.connect(self.path, timeout=self.timeout_s, isolation_level=None, check_same_thread=False)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute(
                "CREATE TABLE IF NOT EXISTS attributes ("
                " id TEXT PRIMARY KEY, attributes TEXT NOT NULL, updated_at REAL NOT NULL)"
            )
            self._identity = self._file_identity()
        except BaseException:
            db.close()
            raise
        self._db, self._pid = db, os.getpid()
        return db

    def _drop(self) -> None:
        """Forget the connection; close it only in the process that opened it (never across a fork)."""
        db, self._db, self._identity = self._db, None, None
        if db is not None and self._pid == os.getpid():
            db.close()

    def _run(self, sql: str, params: tuple[Any, ...]) -> list[Any]:
        """One statement on the shared connection; after a failure other than a lock wait, reconnect."""
        with self._lock:
            try:
                return self._connection().execute(sql, params).fetchall()
            except sqlite3.Error as exc:
                if getattr(exc, "sqlite_errorcode", None) not in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
                    self._drop()
                raise

    def close(self) -> None:
        """Close the connection (it is reopened if used again)."""
        with self._lock:
            self._drop()

    def get_attributes(self, request_envelope: RequestEnvelope) -> dict[str, Any]:
        key = hashed_user_key(request_envelope)
        try:
            rows = self._run("SELECT attributes FROM attributes WHERE id = ?", (key,))
        except sqlite3.Error as exc:
            raise PersistenceException(f"SQLite read failed: {exc}") from exc
        if not rows:
            return {}
        try:
            data = json.loads(rows[0][0])
        except json.JSONDecodeError:
            log.warning("unreadable attributes for a user; starting fresh")
            return {}
        return data if isinstance(data, dict) else {}

    def save_attributes(self, request_envelope: RequestEnvelope, attributes: dict[str, Any]) -> None:
        key = hashed_user_key(request_envelope)
        try:
            self._run(
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
            self._run("DELETE FROM attributes WHERE id = ?", (key,))
        except sqlite3.Error as exc:
            raise PersistenceException(f"SQLite delete failed: {exc}") from exc


class DynamoDbAdapter(AbstractPersistenceAdapter):
    """Per-user state in a DynamoDB table, laid out as the ASK SDK's adapter lays it out (partition key
    "id", the profile as a map under "attributes"), through one client per process (skill.runtime.dynamo,
    standard library only: boto3 would add about 0.3 s to a cold start and most of the bundle).

    The client is built at the first call, not at cold start; nothing is contacted before.
    """

    PARTITION_KEY = "id"
    ATTRIBUTE = "attributes"

    def __init__(self, table: str, *, create_table: bool = False, endpoint_url: str | None = None,
                 region_name: str | None = None):
        self.table = table
        self.endpoint_url = endpoint_url
        self.region_name = region_name
        self._lock = threading.Lock()
        self._client: DynamoDbClient | None = None
        self._table_checked = not create_table

    def _dynamodb(self) -> DynamoDbClient:
        """The client, built once; with create_table, the table is created at the first call that works."""
        with self._lock:
            if self._client is None:
                from skill.runtime.dynamo import DynamoDbClient  # imported with the first DynamoDB call

                self._client = DynamoDbClient(
                    region_name=self.region_name, endpoint_url=self.endpoint_url,
                    connect_timeout_s=DYNAMODB_CONNECT_TIMEOUT_S, read_timeout_s=DYNAMODB_READ_TIMEOUT_S,
                    max_attempts=DYNAMODB_MAX_ATTEMPTS)
            if not self._table_checked:
                self._create_table(self._client)
                self._table_checked = True
            return self._client

    def _create_table(self, client: DynamoDbClient) -> None:
        """Create the table (local and test setups; the deploy template creates it on AWS)."""
        from skill.runtime.dynamo import DynamoDbError

        try:
            client.call("CreateTable", {
                "TableName": self.table, "BillingMode": "PAY_PER_REQUEST",
                "KeySchema": [{"AttributeName": self.PARTITION_KEY, "KeyType": "HASH"}],
                "AttributeDefinitions": [{"AttributeName": self.PARTITION_KEY, "AttributeType": "S"}]})
        except DynamoDbError as exc:
            if exc.code != "ResourceInUseException":  # it exists already
                raise

    def _call(self, what: str, operation: str, payload: dict[str, Any]) -> dict[str, Any]:
        from skill.runtime.dynamo import DynamoDbError

        try:
            return self._dynamodb().call(operation, {"TableName": self.table, **payload})
        except DynamoDbError as exc:  # throttled, failing, unreachable or refused: storage is down
            raise PersistenceException(f"DynamoDB {what} failed") from exc

    def get_attributes(self, request_envelope: RequestEnvelope) -> dict[str, Any]:
        key = hashed_user_key(request_envelope)
        item = self._call("read", "GetItem", {"Key": {self.PARTITION_KEY: {"S": key}},
                                               "ConsistentRead": True}).get("Item")
        if not isinstance(item, dict) or self.ATTRIBUTE not in item:
            return {}
        from skill.runtime.dynamo import deserialize

        try:
            data = deserialize(item[self.ATTRIBUTE])
        except (TypeError, ValueError, AttributeError, ArithmeticError) as exc:
            raise PersistenceException("DynamoDB read failed: unreadable attributes") from exc
        return data if isinstance(data, dict) else {}

    def save_attributes(self, request_envelope: RequestEnvelope, attributes: dict[str, Any]) -> None:
        from skill.runtime.dynamo import serialize

        key = hashed_user_key(request_envelope)
        try:
            value = serialize(attributes)
        except (TypeError, ArithmeticError) as exc:
            raise PersistenceException("DynamoDB write failed: attributes DynamoDB cannot hold") from exc
        self._call("write", "PutItem", {"Item": {self.PARTITION_KEY: {"S": key}, self.ATTRIBUTE: value}})

    def delete_attributes(self, request_envelope: RequestEnvelope) -> None:
        key = hashed_user_key(request_envelope)
        self._call("delete", "DeleteItem", {"Key": {self.PARTITION_KEY: {"S": key}}})


def dynamodb_adapter(table: str, *, create_table: bool = False, endpoint_url: str | None = None,
                     region_name: str | None = None) -> AbstractPersistenceAdapter:
    """The DynamoDB store; nothing is contacted until the first request uses it."""
    return DynamoDbAdapter(table, create_table=create_table, endpoint_url=endpoint_url, region_name=region_name)


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
