"""A small DynamoDB client over the standard library: what the skill's state needs, without boto3.

DynamoDB's JSON 1.0 protocol (POST / with `X-Amz-Target: DynamoDB_20120810.<Operation>`), signed with
AWS Signature Version 4 from the credentials Lambda puts in the environment, over one keep-alive
connection per process. boto3 and botocore cost about 0.3 s of a cold start and most of the bundle; the
skill only ever calls GetItem, PutItem, DeleteItem and (in local and test setups) CreateTable.

HTTP/1.1 is spoken over a socket here rather than through http.client, which imports the email
package and ssl (about 12 ms of the first request of a cold start): a request is written whole, a
reply read by its Content-Length (or chunks). Nothing heavy is imported with this module: socket comes
with the first connection, ssl and its context only for an https endpoint.
"""

from __future__ import annotations

import datetime
import json
import os
import threading
import time
import zlib
from collections.abc import Mapping
from decimal import Clamped, Context, Decimal, Inexact, Overflow, Rounded, Underflow
from typing import TYPE_CHECKING, Any

from skill.runtime.records import record

if TYPE_CHECKING:
    import socket
    import ssl

API_VERSION = "DynamoDB_20120810"
CONTENT_TYPE = "application/x-amz-json-1.0"
SERVICE = "dynamodb"
ALGORITHM = "AWS4-HMAC-SHA256"
# DynamoDB's number type: 38 digits, exponents -130..125; anything it cannot hold exactly is refused
# here rather than rounded (boto3's TypeSerializer uses the same context).
NUMBER_CONTEXT = Context(Emin=-128, Emax=126, prec=38, traps=[Clamped, Overflow, Inexact, Rounded, Underflow])
# Worth another attempt: the service is busy or failed, not the request wrong (as botocore's standard mode).
THROTTLING = frozenset({
    "ProvisionedThroughputExceededException", "ThrottlingException", "Throttling", "RequestLimitExceeded",
    "TooManyRequestsException", "TransactionInProgressException", "LimitExceededException",
    "RequestThrottled", "RequestThrottledException",
})
TRANSIENT = frozenset({"RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete",
                       "InternalServerError", "ServiceUnavailable"})
BACKOFF_BASE_S = 0.05  # before retry n (1, 2, ...): between half and all of base x 2^(n-1), at most 1 s
BACKOFF_MAX_S = 1.0
MAX_LINE = 65536  # longest status or header line read from a reply
MAX_HEADERS = 100


class DynamoDbError(Exception):
    """A call failed: `code` is DynamoDB's error type (its `__type` without the namespace), or
    `ConnectionError`, `Timeout`, `MissingCredentials`, `NoRegion`, `BadResponse`."""

    def __init__(self, code: str, message: str = "", status: int | None = None, retryable: bool = False):
        super().__init__(f"{code}: {message}" if message else code)
        self.code = code
        self.message = message
        self.status = status
        self.retryable = retryable


class StaleConnection(DynamoDbError):
    """A kept-alive connection turned out closed by the server before any reply: open a new one."""

    def __init__(self, cause: str):
        super().__init__("ConnectionError", cause, retryable=True)


# -- attribute values ------------------------------------------------------------------------------


def serialize(value: Any) -> dict[str, Any]:
    """A Python value as a DynamoDB attribute value, as boto3's TypeSerializer gives it, except that
    floats are taken as Decimal(repr(x)) (the shortest decimal that reads back as the same float)."""
    if value is None:
        return {"NULL": True}
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, int | Decimal | float):
        number = Decimal(repr(value)) if isinstance(value, float) else value
        text = str(NUMBER_CONTEXT.create_decimal(number))
        if text in ("Infinity", "-Infinity", "NaN", "-NaN", "sNaN"):
            raise TypeError(f"DynamoDB has no number {text}")
        return {"N": text}
    if isinstance(value, Mapping):
        return {"M": {str(k): serialize(v) for k, v in value.items()}}
    if isinstance(value, list | tuple):
        return {"L": [serialize(v) for v in value]}
    raise TypeError(f"no DynamoDB type for {type(value).__name__}")


def number(text: str) -> int | float:
    """A DynamoDB number: an int when integral, else the nearest float."""
    value = NUMBER_CONTEXT.create_decimal(text)
    return int(value) if value == value.to_integral_value() else float(value)


def deserialize(attribute: Mapping[str, Any]) -> Any:
    """A DynamoDB attribute value as plain Python (numbers as int or float, maps as dicts, lists and
    sets as lists and sets)."""
    if len(attribute) != 1:
        raise TypeError("an attribute value has exactly one type")
    kind, value = next(iter(attribute.items()))
    if kind == "S":
        return str(value)
    if kind == "N":
        return number(value)
    if kind == "BOOL":
        return bool(value)
    if kind == "NULL":
        return None
    if kind == "M":
        return {k: deserialize(v) for k, v in value.items()}
    if kind == "L":
        return [deserialize(v) for v in value]
    if kind == "SS":
        return set(value)
    if kind == "NS":
        return {number(v) for v in value}
    raise TypeError(f"unsupported DynamoDB type {kind}")


# -- Signature Version 4 ---------------------------------------------------------------------------


@record(frozen=True)
class Credentials:
    """AWS credentials; on Lambda, the function role's, from the environment."""

    access_key: str
    secret_key: str
    token: str | None = None

    @staticmethod
    def from_env(env: Mapping[str, str]) -> Credentials:
        access, secret = env.get("AWS_ACCESS_KEY_ID"), env.get("AWS_SECRET_ACCESS_KEY")
        if not access or not secret:
            raise DynamoDbError("MissingCredentials", "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set")
        return Credentials(access, secret, env.get("AWS_SESSION_TOKEN") or None)


def _hmac(key: bytes, text: str) -> bytes:
    import hashlib  # here, not at import: a skill keeping its state in SQLite never loads OpenSSL for it
    import hmac

    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()


def signing_key(secret_key: str, date: str, region: str, service: str = SERVICE) -> bytes:
    """The key of one day, region and service, derived from the secret key."""
    key = _hmac(("AWS4" + secret_key).encode("utf-8"), date)
    for part in (region, service, "aws4_request"):
        key = _hmac(key, part)
    return key


def sign(host: str, headers: Mapping[str, str], body: bytes, credentials: Credentials, region: str,
         now: datetime.datetime, *, method: str = "POST", path: str = "/", service: str = SERVICE) -> dict[str, str]:
    """The headers that sign a request with no query string (SigV4): X-Amz-Date, X-Amz-Security-Token if
    the credentials are temporary, and Authorization over every header given plus those and Host."""
    import hashlib
    import hmac

    amz_date = now.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    added = {"X-Amz-Date": amz_date}
    if credentials.token:
        added["X-Amz-Security-Token"] = credentials.token
    canonical = {k.lower(): " ".join(v.split()) for k, v in {**headers, **added}.items()}
    canonical["host"] = host
    names = sorted(canonical)
    signed_names = ";".join(names)
    request = "\n".join([method, path, "", *(f"{n}:{canonical[n]}" for n in names), "", signed_names,
                         hashlib.sha256(body).hexdigest()])
    scope = f"{amz_date[:8]}/{region}/{service}/aws4_request"
    to_sign = "\n".join([ALGORITHM, amz_date, scope, hashlib.sha256(request.encode("utf-8")).hexdigest()])
    signature = hmac.new(signing_key(credentials.secret_key, amz_date[:8], region, service),
                         to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
    added["Authorization"] = (f"{ALGORITHM} Credential={credentials.access_key}/{scope}, "
                              f"SignedHeaders={signed_names}, Signature={signature}")
    return added


# -- the client ------------------------------------------------------------------------------------


def endpoint_for(region: str) -> str:
    """DynamoDB's public endpoint in a region (China's regions are under amazonaws.com.cn)."""
    suffix = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    return f"https://{SERVICE}.{region}.{suffix}"


def split_endpoint(url: str) -> tuple[str, str, str, str]:
    """(scheme, host:port to connect to, Host header as signed, path) of an http(s) endpoint URL; the
    Host header leaves out the scheme's default port, as the AWS SDKs sign it."""
    scheme, _, rest = url.partition("://")
    netloc, slash, path = rest.partition("/")
    netloc = netloc.rsplit("@", 1)[-1]
    scheme = scheme.lower()
    if scheme not in ("http", "https") or not netloc:
        raise DynamoDbError("BadEndpoint", f"not an http(s) URL: {url}")
    host = netloc.lower().removesuffix(":443" if scheme == "https" else ":80")
    return scheme, netloc, host, slash + path if path else "/"


def region_from_env(env: Mapping[str, str]) -> str | None:
    """The region as Lambda gives it (AWS_REGION), or as the AWS CLI and SDKs read it."""
    return env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or None


def endpoint_from_env(env: Mapping[str, str]) -> str | None:
    """An endpoint set for DynamoDB, or for every service, as the AWS SDKs read it."""
    return env.get("AWS_ENDPOINT_URL_DYNAMODB") or env.get("AWS_ENDPOINT_URL") or None


class ClosedBeforeReply(ConnectionError):
    """The server closed the connection before a reply began."""


class HttpConnection:
    """One HTTP/1.1 connection, kept alive between exchanges: enough HTTP for DynamoDB."""

    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.reader = sock.makefile("rb")
        self.used = False  # it has carried an exchange (so the server may since have closed it)

    def close(self) -> None:
        try:
            self.reader.close()
        finally:
            self.sock.close()

    def _line(self) -> bytes:
        line = self.reader.readline(MAX_LINE + 1)
        if len(line) > MAX_LINE:
            raise DynamoDbError("BadResponse", "header line too long", retryable=True)
        return line

    def exchange(self, request: bytes) -> tuple[int, dict[str, str], bytes, bool]:
        """Send one whole request; (status, headers with lower-case names, body, whether the connection
        stays open)."""
        try:
            self.sock.sendall(request)
            status_line = self._line()
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError) as exc:
            raise ClosedBeforeReply(type(exc).__name__) from exc
        if not status_line:
            raise ClosedBeforeReply("no status line")
        version, _, rest = status_line.partition(b" ")
        code = rest[:3]
        if not version.startswith(b"HTTP/1.") or not code.isdigit():
            raise DynamoDbError("BadResponse", "not an HTTP reply", retryable=True)
        headers: dict[str, str] = {}
        while (line := self._line()) not in (b"\r\n", b"\n"):
            if not line:
                raise ConnectionResetError("closed in the reply's headers")
            name, colon, value = line.decode("latin-1").partition(":")
            if not colon or len(headers) >= MAX_HEADERS:
                raise DynamoDbError("BadResponse", "malformed headers", retryable=True)
            headers[name.strip().lower()] = value.strip()
        status = int(code)
        keep = version == b"HTTP/1.1" and headers.get("connection", "").lower() != "close"
        if status < 200 or status in (204, 304):
            return status, headers, b"", keep
        if headers.get("transfer-encoding", "").lower() == "chunked":
            return status, headers, self._chunks(), keep
        length = headers.get("content-length")
        if length is None:  # the body runs to the end of the connection
            return status, headers, self.reader.read(), False
        if not length.isdigit():
            raise DynamoDbError("BadResponse", "bad Content-Length", retryable=True)
        body = self.reader.read(int(length))
        if len(body) < int(length):
            raise ConnectionResetError("closed in the reply's body")
        return status, headers, body, keep

    def _chunks(self) -> bytes:
        parts: list[bytes] = []
        while True:
            size_line = self._line().split(b";", 1)[0].strip()
            try:
                size = int(size_line, 16)
            except ValueError as exc:
                raise DynamoDbError("BadResponse", "bad chunk size", retryable=True) from exc
            if size == 0:
                while self._line() not in (b"\r\n", b"\n", b""):  # trailers
                    pass
                return b"".join(parts)
            chunk = self.reader.read(size + 2)
            if len(chunk) < size + 2:
                raise ConnectionResetError("closed in a chunk")
            parts.append(chunk[:size])


def host_and_port(scheme: str, netloc: str) -> tuple[str, int]:
    """("host", port) to connect to from "host[:port]" or "[v6]:port"."""
    if netloc.startswith("["):
        host, _, rest = netloc[1:].partition("]")
        port = rest.removeprefix(":")
    else:
        host, colon, port = netloc.rpartition(":")
        if not colon or not port.isdigit():
            host, port = netloc, ""
    if port and not port.isdigit():
        raise DynamoDbError("BadEndpoint", f"bad port in {netloc}")
    return host, int(port) if port else (443 if scheme == "https" else 80)


class DynamoDbClient:
    """DynamoDB's JSON API over one keep-alive HTTP(S) connection, shared by the process's threads.

    The connection is opened at the first call, reopened after any failure or in a forked child; a
    call is tried up to `max_attempts` times when DynamoDB throttles or fails (5xx) or the connection
    breaks or times out, with a short jittered pause between; any other error is raised at once. A
    kept-alive connection the server closed while idle is reopened at once, without using an attempt.
    Every operation the skill calls is idempotent, so a retried request is safe.
    """

    def __init__(self, *, region_name: str | None = None, endpoint_url: str | None = None,
                 connect_timeout_s: float = 1.0, read_timeout_s: float = 1.5, max_attempts: int = 2,
                 env: Mapping[str, str] | None = None):
        self.region_name = region_name
        self.endpoint_url = endpoint_url
        self.connect_timeout_s = connect_timeout_s
        self.read_timeout_s = read_timeout_s
        self.max_attempts = max(1, max_attempts)
        self._env = env
        self._lock = threading.Lock()
        self._conn: HttpConnection | None = None
        self._conn_pid = 0
        self._ssl: ssl.SSLContext | None = None
        self.connections_opened = 0  # how many times a connection was opened (for tests and logs)

    @property
    def env(self) -> Mapping[str, str]:
        return os.environ if self._env is None else self._env

    def region(self) -> str:
        region = self.region_name or region_from_env(self.env)
        if not region:
            raise DynamoDbError("NoRegion", "no region: set AWS_REGION or AWS_DEFAULT_REGION")
        return region

    def endpoint(self) -> str:
        return self.endpoint_url or endpoint_from_env(self.env) or endpoint_for(self.region())

    def call(self, operation: str, payload: Mapping[str, Any]) -> dict[str, Any]:
        """One DynamoDB operation (e.g. "GetItem") with its JSON request; its JSON reply."""
        body = json.dumps(payload, separators=(",", ":")).encode("utf-8")
        endpoint = split_endpoint(self.endpoint())
        region = self.region()
        with self._lock:
            attempt, free_reconnect = 1, True
            while True:
                try:
                    return self._send(endpoint, operation, body, region)
                except StaleConnection:
                    if free_reconnect:  # an idle keep-alive connection the server had closed: no attempt used
                        free_reconnect = False
                        continue
                    if attempt >= self.max_attempts:
                        raise
                except DynamoDbError as exc:
                    if not exc.retryable or attempt >= self.max_attempts:
                        raise
                time.sleep(backoff(attempt))
                attempt += 1

    def close(self) -> None:
        """Close the connection (a later call opens a new one)."""
        with self._lock:
            self._drop()

    def _drop(self) -> None:
        """Forget the connection; close it only in the process that opened it (never across a fork)."""
        conn, self._conn = self._conn, None
        if conn is not None and self._conn_pid == os.getpid():
            conn.close()

    def _connection(self, scheme: str, netloc: str) -> HttpConnection:
        if self._conn is not None and self._conn_pid == os.getpid():
            return self._conn
        self._conn = None  # a child after a fork never writes on its parent's socket
        import socket

        host, port = host_and_port(scheme, netloc)
        # Within the connect timeout: the TCP connection and, for https, the TLS handshake.
        sock = socket.create_connection((host, port), timeout=self.connect_timeout_s)
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if scheme == "https":
                if self._ssl is None:
                    import ssl

                    self._ssl = ssl.create_default_context(cafile=self.env.get("AWS_CA_BUNDLE") or None)
                sock = self._ssl.wrap_socket(sock, server_hostname=host)
            sock.settimeout(self.read_timeout_s)  # every read of a reply waits at most this long
        except BaseException:
            sock.close()
            raise
        self._conn, self._conn_pid = HttpConnection(sock), os.getpid()
        self.connections_opened += 1
        return self._conn

    def _send(self, endpoint: tuple[str, str, str, str], operation: str, body: bytes,
              region: str) -> dict[str, Any]:
        """One attempt; failures as DynamoDbError (retryable or not), StaleConnection for a reused
        connection found closed before any reply."""
        scheme, netloc, host, path = endpoint
        headers = {"Content-Type": CONTENT_TYPE, "X-Amz-Target": f"{API_VERSION}.{operation}"}
        credentials = Credentials.from_env(self.env)
        headers.update(sign(host, headers, body, credentials, region, datetime.datetime.now(datetime.UTC),
                            path=path))
        lines = [f"POST {path} HTTP/1.1", f"Host: {host}", *(f"{k}: {v}" for k, v in headers.items()),
                 f"Content-Length: {len(body)}", "Accept-Encoding: identity"]
        head = "\r\n".join(lines) + "\r\n\r\n"
        # e.g. a token pasted with its newline: refused, never sent as a broken request
        if not head.isascii() or any(c in line for line in lines for c in "\r\n\0"):
            raise DynamoDbError("BadRequest", "a header holds a line break or a non-ASCII character")
        request = head.encode("ascii") + body
        reused = False
        try:
            conn = self._connection(scheme, netloc)
            reused, conn.used = conn.used, True
            status, reply_headers, data, keep = conn.exchange(request)
        except DynamoDbError:
            self._drop()
            raise
        except TimeoutError as exc:
            self._drop()
            raise DynamoDbError("Timeout", type(exc).__name__, retryable=True) from exc
        except ClosedBeforeReply as exc:
            self._drop()
            if reused:
                raise StaleConnection(str(exc)) from exc
            raise DynamoDbError("ConnectionError", "ConnectionResetError", retryable=True) from exc
        except (OSError, ValueError, UnicodeError) as exc:
            self._drop()
            raise DynamoDbError("ConnectionError", type(exc).__name__, retryable=True) from exc
        if not keep:
            self._drop()
        crc = reply_headers.get("x-amz-crc32")
        if crc is not None and crc.isdigit() and int(crc) != zlib.crc32(data):
            self._drop()
            raise DynamoDbError("BadResponse", "CRC32 mismatch", status, retryable=True)
        try:
            reply = json.loads(data) if data else {}
        except ValueError:
            reply = None
        if status == 200 and isinstance(reply, dict):
            return reply
        if status == 200:
            raise DynamoDbError("BadResponse", "not a JSON object", 200, retryable=True)
        info = reply if isinstance(reply, dict) else {}
        code = str(info.get("__type", "")).rsplit("#", 1)[-1] or f"HTTP{status}"
        message = str(info.get("message", info.get("Message", "")))
        retryable = status >= 500 or code in THROTTLING or code in TRANSIENT
        raise DynamoDbError(code, message, status, retryable=retryable)


def backoff(retry: int) -> float:
    """Seconds to wait before retry number `retry` (1, 2, ...): jittered, short (a reply is due in 8 s)."""
    import random

    ceiling = min(BACKOFF_MAX_S, BACKOFF_BASE_S * 2.0 ** (retry - 1))
    return ceiling / 2 + random.uniform(0, ceiling / 2)
