"""A local HTTP server speaking the AWS Lambda Runtime API (2018-06-01), to host the real runtime
interface client (awslambdaric) in tests the way Lambda's own service does.

The client long-polls GET /runtime/invocation/next; the server answers with the event and the
invocation headers (request id, deadline, function ARN, trace id, client context, Cognito identity),
then takes the result at POST /runtime/invocation/<id>/response or a failure at .../error. A failure
while the function initialises arrives at POST /runtime/init/error.
"""

from __future__ import annotations

import http.server
import json
import queue
import re
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

API = "/2018-06-01/runtime"
FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:acupressure-coach"
_RESULT = re.compile(rf"^{API}/invocation/([^/]+)/(response|error)$")


@dataclass
class Invocation:
    """One event handed to the client, and what it posted back."""

    request_id: str
    body: bytes
    headers: dict[str, str]
    done: threading.Event = field(default_factory=threading.Event)
    outcome: str | None = None  # "response" or "error"
    reply: bytes = b""
    reply_headers: dict[str, str] = field(default_factory=dict)  # lower-case names

    def json(self) -> Any:
        return json.loads(self.reply)


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client process stopped mid-poll is how every test ends, not an error worth a traceback."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class RuntimeApi:
    """The Runtime API on a free loopback port; `address` is what AWS_LAMBDA_RUNTIME_API holds."""

    def __init__(self, deadline_s: float = 7.0) -> None:
        self.deadline_s = deadline_s
        self._pending: queue.Queue[Invocation | None] = queue.Queue()
        self._by_id: dict[str, Invocation] = {}
        self.polls = 0
        self.init_error: tuple[dict[str, str], bytes] | None = None  # (lower-case headers, body)
        self.init_failed = threading.Event()
        self.unexpected: list[str] = []
        api = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # the client keeps one connection open, as with Lambda

            def log_message(self, *args: Any) -> None:
                pass

            def _answer(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
                self.send_response(status)
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                if self.path != f"{API}/invocation/next":
                    api.unexpected.append(f"GET {self.path}")
                    self._answer(404)
                    return
                api.polls += 1
                invocation = api._pending.get()
                if invocation is None:  # shutting down: the client sees its connection close
                    self.close_connection = True
                    return
                self._answer(200, invocation.body, invocation.headers)

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k.lower(): v for k, v in self.headers.items()}  # names are case-insensitive
                if self.path == f"{API}/init/error":
                    api.init_error = (headers, body)
                    api.init_failed.set()
                    self._answer(202, b'{"status":"OK"}', {"Content-Type": "application/json"})
                    return
                match = _RESULT.match(self.path)
                invocation = api._by_id.get(match.group(1)) if match else None
                if invocation is None or invocation.done.is_set():
                    api.unexpected.append(f"POST {self.path}")
                    self._answer(400, b'{"errorType":"InvalidRequestID"}', {"Content-Type": "application/json"})
                    return
                invocation.outcome, invocation.reply, invocation.reply_headers = match.group(2), body, headers
                invocation.done.set()
                self._answer(202, b'{"status":"OK"}', {"Content-Type": "application/json"})

        self._server = _Server(("127.0.0.1", 0), Handler)
        self.address = f"127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()

    def invoke(self, event: Any, *, raw: bytes | None = None, client_context: dict[str, Any] | None = None,
               cognito_identity: dict[str, Any] | None = None, timeout_s: float = 60.0) -> Invocation:
        """Hand one event to the client (as JSON, or `raw` bytes as given) and wait for its answer."""
        request_id = str(uuid.uuid4())
        headers = {
            "Content-Type": "application/json",
            "Lambda-Runtime-Aws-Request-Id": request_id,
            "Lambda-Runtime-Deadline-Ms": str(int((time.time() + self.deadline_s) * 1000)),
            "Lambda-Runtime-Invoked-Function-Arn": FUNCTION_ARN,
            "Lambda-Runtime-Trace-Id": f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]};Parent="
                                       f"{uuid.uuid4().hex[:16]};Sampled=0",
            "Lambda-Runtime-Client-Context": json.dumps(client_context or {}),
            "Lambda-Runtime-Cognito-Identity": json.dumps(cognito_identity or {}),
        }
        invocation = Invocation(request_id, raw if raw is not None else json.dumps(event).encode(), headers)
        self._by_id[request_id] = invocation
        self._pending.put(invocation)
        if not invocation.done.wait(timeout_s):
            raise TimeoutError(f"no answer to invocation {request_id} within {timeout_s} s")
        return invocation

    def close(self) -> None:
        self._pending.put(None)
        self._server.shutdown()
        self._server.server_close()
