"""Password guessing is rate limited per account (whether or not it exists) and per client
address; only failed attempts count (wholesale/api/rate_limits.py)."""

from __future__ import annotations

from typing import Any

import pytest
from limits import parse_many

from tests.api.util import assert_error, commit
from tests.factories import PASSWORD
from wholesale.api.rate_limits import PER_ACCOUNT, PER_ADDRESS


def per_minute(spec: str) -> int:
    """The tightest limit of a spec such as '5 per minute; 20 per hour'."""
    return min(limit.amount for limit in parse_many(spec))


ACCOUNT_LIMIT = per_minute(PER_ACCOUNT)
ADDRESS_LIMIT = per_minute(PER_ADDRESS)


def test_the_limits_are_tight_enough_to_mean_something():
    assert 1 < ACCOUNT_LIMIT <= 10
    assert ACCOUNT_LIMIT < ADDRESS_LIMIT <= 100


def token_attempt(client: Any, email: str, password: str, ip: str) -> Any:
    return client.post(
        "/api/v1/auth/tokens",
        json={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": ip},
    )


def login_attempt(client: Any, email: str, password: str, ip: str) -> Any:
    return client.post(
        "/login", data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": ip}
    )


@pytest.fixture
def account(factory) -> str:
    email = factory.owner(factory.supplier()).email
    commit()
    return email


def assert_rate_limited(response: Any) -> None:
    assert_error(response, 429, "rate_limited")
    retry_after = response.headers.get("Retry-After")
    assert retry_after is None or retry_after.isdigit()


def _guess_until_limited(client: Any, email: str) -> list[tuple[int, Any]]:
    """ACCOUNT_LIMIT failed guesses, each from a new address, then one more."""
    answers = []
    for i in range(ACCOUNT_LIMIT + 1):
        response = token_attempt(client, email, f"wrong-{i}", f"10.0.{i}.1")
        answers.append((response.status_code, response.get_json()))
    return answers


def test_failed_guesses_for_one_account_are_limited_whatever_the_address(client, account):
    answers = _guess_until_limited(client, account)
    assert [status for status, _ in answers] == [401] * ACCOUNT_LIMIT + [429]
    # Locked for now, even with the right password, from yet another address.
    assert_rate_limited(token_attempt(client, account, PASSWORD, "10.9.9.9"))


def test_the_account_key_ignores_case_and_spaces(client, account):
    variants = [account, account.upper(), f"  {account} ", account.title()]
    for i in range(ACCOUNT_LIMIT):
        email = variants[i % len(variants)]
        assert token_attempt(client, email, "wrong", f"10.1.{i}.1").status_code == 401
    assert_rate_limited(token_attempt(client, account.upper(), "wrong", "10.1.99.1"))


def test_an_email_without_an_account_is_limited_the_same_way(client, account):
    existing = _guess_until_limited(client, account)
    missing = _guess_until_limited(client, "nobody-here@example.test")
    assert [s for s, _ in missing] == [s for s, _ in existing]
    assert [body for _, body in missing] == [body for _, body in existing]
    assert missing[-1][1]["error"]["code"] == "rate_limited"


def test_failed_guesses_from_one_address_are_limited_across_accounts(client, account):
    ip = "10.2.0.1"
    for i in range(ADDRESS_LIMIT):
        response = token_attempt(client, f"victim{i}@example.test", "wrong", ip)
        assert response.status_code == 401, (i, response.get_json())
    assert_rate_limited(token_attempt(client, "victim-next@example.test", "wrong", ip))
    # The right password for a real account does not get through from that address either...
    assert_rate_limited(token_attempt(client, account, PASSWORD, ip))
    # ...but other addresses are not affected.
    assert token_attempt(client, account, PASSWORD, "10.2.0.2").status_code == 201


def test_successful_sign_ins_do_not_count(client, account):
    ip = "10.3.0.1"
    for _ in range(ADDRESS_LIMIT + 2):  # more than both limits
        response = token_attempt(client, account, PASSWORD, ip)
        assert response.status_code == 201, response.get_json()
    for i in range(ACCOUNT_LIMIT):
        assert token_attempt(client, account, f"wrong-{i}", ip).status_code == 401
    assert_rate_limited(token_attempt(client, account, "wrong", ip))


def test_malformed_attempts_count_as_failures(client, account):
    """A request refused for its shape (no password) still spends the account's budget."""
    for i in range(ACCOUNT_LIMIT):
        response = client.post(
            "/api/v1/auth/tokens",
            json={"email": account},
            environ_base={"REMOTE_ADDR": f"10.4.{i}.1"},
        )
        assert response.status_code == 422
    assert_rate_limited(token_attempt(client, account, PASSWORD, "10.4.99.1"))


def test_the_limit_is_per_account(client, account, factory):
    other = factory.owner(factory.buyer()).email
    commit()
    _guess_until_limited(client, account)
    assert token_attempt(client, other, PASSWORD, "10.5.0.1").status_code == 201


# -- the portal's sign-in form ---------------------------------------------------------------------


def test_the_login_form_is_limited_per_account(client, account):
    for i in range(ACCOUNT_LIMIT):
        response = login_attempt(client, account, f"wrong-{i}", f"10.6.{i}.1")
        assert response.status_code == 401, response.status_code
    limited = login_attempt(client, account, PASSWORD, "10.6.99.1")
    assert limited.status_code == 429
    assert limited.mimetype == "text/html"  # a page, not the API's JSON


def test_the_login_form_is_limited_per_address(client, account):
    ip = "10.7.0.1"
    for i in range(ADDRESS_LIMIT):
        assert login_attempt(client, f"victim{i}@example.test", "wrong", ip).status_code == 401
    assert login_attempt(client, account, PASSWORD, ip).status_code == 429


def test_the_login_form_does_not_count_successes(client, account):
    for _ in range(ACCOUNT_LIMIT + 2):
        response = login_attempt(client, account, PASSWORD, "10.8.0.1")
        assert response.status_code == 302
        client.post("/logout")


def test_the_api_and_the_form_share_one_budget(client, account):
    """Guessing through both doors does not double the attempts an attacker gets."""
    half = ACCOUNT_LIMIT // 2
    for i in range(half):
        assert token_attempt(client, account, "wrong", f"10.9.{i}.1").status_code == 401
    for i in range(ACCOUNT_LIMIT - half):
        assert login_attempt(client, account, "wrong", f"10.9.{50 + i}.1").status_code == 401
    assert_rate_limited(token_attempt(client, account, PASSWORD, "10.9.99.1"))
    assert login_attempt(client, account, PASSWORD, "10.9.99.2").status_code == 429


def test_a_locked_account_stays_locked_whatever_the_content_type(client, account):
    import json

    _guess_until_limited(client, account)
    response = client.post(
        "/api/v1/auth/tokens",
        data=json.dumps({"email": account, "password": PASSWORD}),
        headers={"Content-Type": "text/plain"},
        environ_base={"REMOTE_ADDR": "10.10.0.1"},
    )
    assert_rate_limited(response)
