"""Behind one proxy (TRUSTED_PROXIES=1): the client's address, scheme and host come from the
proxy's X-Forwarded-* headers, while links and Twilio's signature check stay on
PUBLIC_BASE_URL. Without the setting those headers are ignored (anyone can send them)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import jsonify, request

from messaging.webhooks.signatures import public_url, twilio_valid
from tests.notifications.util import TWILIO_TOKEN, twilio_signature
from tests.test_migrations import separate_app  # noqa: F401  (fixture)
from wholesale.config import ConfigError, load_settings

PUBLIC = "https://orders.example.com"
FORWARDED = {
    "X-Forwarded-For": "198.51.100.7, 203.0.113.9",  # the client lied; the proxy appended
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "orders.example.com",
    "X-Forwarded-Port": "443",
}


@pytest.fixture
def make_app(request: pytest.FixtureRequest) -> Any:
    """tests/test_migrations.py's `separate_app`: another app, the extensions put back after."""
    return request.getfixturevalue("separate_app")


def probe_app(make_app: Any, database_url: str, tmp_path: Path,
              monkeypatch: pytest.MonkeyPatch, proxies: str) -> Any:
    monkeypatch.setenv("TRUSTED_PROXIES", proxies)
    application = make_app(database_url, tmp_path / "instance")
    application.config.update(PUBLIC_BASE_URL=PUBLIC, TWILIO_ACCOUNT_SID="AC" + "1" * 32,
                              TWILIO_AUTH_TOKEN=TWILIO_TOKEN)

    @application.post("/_probe/twilio")
    def probe() -> Any:
        return jsonify(remote_addr=request.remote_addr, scheme=request.scheme,
                       host_url=request.host_url, signed_url=public_url(request),
                       twilio_valid=twilio_valid(request))

    return application


def post(application: Any, headers: dict[str, str]) -> dict[str, Any]:
    params = {"From": "+14155550100", "Body": "hello"}
    signature = twilio_signature(TWILIO_TOKEN, PUBLIC + "/_probe/twilio", params)
    response = application.test_client().post(
        "/_probe/twilio", data=params, base_url="http://127.0.0.1:8101",
        headers={"X-Twilio-Signature": signature, **headers})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def test_one_trusted_proxy_sets_the_client_address_scheme_and_host(
    make_app: Any, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    application = probe_app(make_app, database_url, tmp_path, monkeypatch, "1")
    seen = post(application, FORWARDED)
    # Only the last address is the proxy's own word; the one before it is the client's claim.
    assert seen["remote_addr"] == "203.0.113.9"
    assert seen["scheme"] == "https"
    assert seen["host_url"] == "https://orders.example.com/"
    # Twilio signed the public URL: the check still passes behind the proxy.
    assert seen["signed_url"] == PUBLIC + "/_probe/twilio"
    assert seen["twilio_valid"] is True


def test_without_a_trusted_proxy_forwarded_headers_are_ignored(
    make_app: Any, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    application = probe_app(make_app, database_url, tmp_path, monkeypatch, "0")
    seen = post(application, FORWARDED)
    assert seen["remote_addr"] == "127.0.0.1"
    assert seen["scheme"] == "http"
    assert seen["host_url"] == "http://127.0.0.1:8101/"
    assert seen["twilio_valid"] is True


@pytest.mark.parametrize("raw", ["-1", "x", "4", "1.5"])
def test_a_malformed_proxy_count_stops_the_app(raw: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="TRUSTED_PROXIES"):
        load_settings({"TRUSTED_PROXIES": raw}, tmp_path)
