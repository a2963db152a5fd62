"""Local fake Twilio and SendGrid HTTP servers for the adapters' tests: real HTTP on a free
loopback port, every request recorded and checked against the provider's own OpenAPI spec
(../shared/specs/; unchecked only when that folder is absent, which CI refuses), with
scripted failures."""

from __future__ import annotations

import base64
import json
import os
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from werkzeug.datastructures import Headers
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

SPECS = Path(__file__).resolve().parents[2].parent / "shared" / "specs"
TWILIO_SPEC = SPECS / "twilio_api_v2010_messages.json"
SENDGRID_SPEC = SPECS / "sendgrid_mail_v3.json"


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    form: dict[str, list[str]] = field(default_factory=dict)
    json: Any = None
    status: int = 0  # what the fake answered (0: it hung up)
    spec_errors: list[str] = field(default_factory=list)
    query: str = ""


@dataclass
class Fault:
    """One scripted answer: an HTTP status (with a provider error body), or a hang of
    `delay` seconds with no answer (`status` 0), seen by the client as a timeout."""

    status: int
    code: int | None = None
    delay: float = 0.0
    retry_after: str | None = None


class _SpecRequest:
    """openapi-core's request protocol over a recorded request, addressed to the
    provider's real server so the spec's `servers` match."""

    def __init__(self, request: Request, host_url: str) -> None:
        from openapi_core.datatypes import RequestParameters
        from werkzeug.datastructures import ImmutableMultiDict

        self._request = request
        self.host_url = host_url
        self.path = request.path
        self.method = request.method.lower()
        self.body = request.get_data(cache=True)
        self.content_type = request.content_type or "application/octet-stream"
        self.parameters = RequestParameters(query=ImmutableMultiDict(request.args),
                                            header=Headers(request.headers),
                                            cookie=request.cookies)


_SPECS: dict[Path, Any] = {}


def _load_spec(path: Path) -> Any:
    """The parsed spec (JSON; openapi-core's file loader reads YAML, which chokes on
    some of the JSON's escapes), once per test run."""
    if path not in _SPECS:
        from openapi_core import OpenAPI

        _SPECS[path] = OpenAPI.from_dict(json.loads(path.read_text()))
    return _SPECS[path]


class FakeProvider:
    """Base: a threaded werkzeug server; subclasses answer like the provider."""

    spec_path: Path | None  # None: the provider publishes no OpenAPI document for these calls
    host_url: str

    def __init__(self, latency: float = 0.0) -> None:
        self.latency = latency
        self.requests: list[Recorded] = []
        self.faults: deque[Fault] = deque()
        self.lock = threading.Lock()
        self._spec: Any = None
        if self.spec_path is None:
            pass
        elif self.spec_path.is_file():
            self._spec = _load_spec(self.spec_path)
        elif os.environ.get("CI"):  # every `spec_errors == []` would pass without a check
            raise RuntimeError(f"{self.spec_path} is missing: CI checks requests against it")
        self.server = make_server("127.0.0.1", 0, self._wsgi, threaded=True)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def spec_checked(self) -> bool:
        return self._spec is not None

    def start(self) -> FakeProvider:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def fail_next(self, *faults: Fault) -> None:
        with self.lock:
            self.faults.extend(faults)

    def accepted(self) -> list[Recorded]:
        return [r for r in self.requests if 200 <= r.status < 300]

    def spec_errors(self) -> list[str]:
        return [e for r in self.requests for e in r.spec_errors]

    def _check(self, request: Request) -> list[str]:
        if self._spec is None:
            return []
        from openapi_core.exceptions import OpenAPIError

        try:
            self._spec.validate_request(_SpecRequest(request, self.host_url))
        except OpenAPIError as exc:
            causes = [str(exc)]
            inner = getattr(exc, "__cause__", None)
            while inner is not None:
                causes.append(str(inner))
                inner = getattr(inner, "__cause__", None)
            for sub in getattr(getattr(exc, "__cause__", None), "schema_errors", []) or []:
                causes.append(str(getattr(sub, "message", sub)))
            return [" / ".join(causes)]
        return []

    def _wsgi(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        body = request.get_data(cache=True)
        record = Recorded(request.method, request.path, dict(request.headers), body,
                          spec_errors=self._check(request),
                          query=request.query_string.decode())
        if request.mimetype == "application/x-www-form-urlencoded":
            record.form = parse_qs(body.decode(), keep_blank_values=True)
        elif request.mimetype == "application/json":
            record.json = json.loads(body or b"null")
        with self.lock:
            fault = self.faults.popleft() if self.faults else None
            self.requests.append(record)
        if fault is not None and fault.status == 0:
            time.sleep(fault.delay)
            record.status = 0
            response = Response(b"", status=504)  # too late: the client gave up already
            return response(environ, start_response)
        if self.latency:
            time.sleep(self.latency)
        if fault is not None:
            time.sleep(fault.delay)
            record.status = fault.status
            response = self.error(fault)
        else:
            response = self.answer(record)
            record.status = response.status_code
        return response(environ, start_response)

    def answer(self, record: Recorded) -> Response:
        raise NotImplementedError

    def error(self, fault: Fault) -> Response:
        raise NotImplementedError


class FakeTwilio(FakeProvider):
    spec_path = TWILIO_SPEC
    host_url = "https://api.twilio.com"

    def __init__(self, account_sid: str, auth_token: str, latency: float = 0.0) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        super().__init__(latency)

    def authorized(self, record: Recorded) -> bool:
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        return record.headers.get("Authorization") == f"Basic {expected}"

    def answer(self, record: Recorded) -> Response:
        expected = f"/2010-04-01/Accounts/{self.account_sid}/Messages.json"
        if record.method != "POST" or record.path != expected:
            return Response(json.dumps({"code": 20404, "message": "not found", "status": 404}),
                            404, mimetype="application/json")
        if not self.authorized(record):
            return Response(json.dumps({"code": 20003, "message": "Authenticate",
                                        "status": 401}), 401, mimetype="application/json")
        form = {k: v[0] for k, v in record.form.items()}
        sid = "SM" + secrets.token_hex(16)
        body = {
            "sid": sid, "account_sid": self.account_sid, "to": form.get("To"),
            "from": form.get("From"), "messaging_service_sid": form.get("MessagingServiceSid"),
            "body": form.get("Body"), "status": "queued", "num_segments": "1",
            "num_media": "0", "direction": "outbound-api", "api_version": "2010-04-01",
            "price": None, "price_unit": "USD", "error_code": None, "error_message": None,
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json",
            "date_created": "Thu, 01 Jan 2026 00:00:00 +0000",
            "date_updated": "Thu, 01 Jan 2026 00:00:00 +0000", "date_sent": None,
            "subresource_uris": {}}
        return Response(json.dumps(body), 201, mimetype="application/json")

    def error(self, fault: Fault) -> Response:
        code = fault.code or (20429 if fault.status == 429 else 20500)
        body = {"code": code, "message": f"fake error {code}", "status": fault.status,
                "more_info": f"https://www.twilio.com/docs/errors/{code}"}
        headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
        return Response(json.dumps(body), fault.status, headers=headers,
                        mimetype="application/json")


class FakeSendGrid(FakeProvider):
    spec_path = SENDGRID_SPEC
    host_url = "https://api.sendgrid.com"

    def __init__(self, api_key: str, latency: float = 0.0) -> None:
        self.api_key = api_key
        super().__init__(latency)

    def answer(self, record: Recorded) -> Response:
        if record.method != "POST" or record.path != "/v3/mail/send":
            return Response(json.dumps({"errors": [{"message": "not found"}]}), 404,
                            mimetype="application/json")
        if record.headers.get("Authorization") != f"Bearer {self.api_key}":
            return Response(json.dumps({"errors": [{"message": "authorization required"}]}),
                            401, mimetype="application/json")
        return Response(b"", 202, headers={"X-Message-Id": secrets.token_urlsafe(16)})

    def error(self, fault: Fault) -> Response:
        body = {"errors": [{"message": f"fake error {fault.status}", "field": None}]}
        headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
        return Response(json.dumps(body), fault.status, headers=headers,
                        mimetype="application/json")


def notification_id_of(record: Recorded) -> int | None:
    """Our notification id in a recorded send (Twilio: the status callback URL; SendGrid:
    custom_args)."""
    if record.form:
        callback = (record.form.get("StatusCallback") or [""])[0]
        if "notification=" in callback:
            return int(callback.rsplit("notification=", 1)[1])
    if isinstance(record.json, dict):
        for personalization in record.json.get("personalizations") or []:
            value = (personalization.get("custom_args") or {}).get("ordertalk_notification_id")
            if value:
                return int(value)
    return None
    return None
