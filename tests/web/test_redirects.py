"""Every user-supplied redirect target (`next`) goes through `safe_next`: a path on this
site, never another host."""

from __future__ import annotations

import pytest

from tests.chat.util import make_world, user
from tests.conftest import login
from tests.factories import PASSWORD
from wholesale.portal.redirects import safe_next

UNSAFE = [
    "https://evil.test/",
    "http://evil.test",
    "//evil.test/x",
    "///evil.test",
    "/\\evil.test",
    "\\\\evil.test",
    "/x\\..\\\\evil.test",
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    " /settings",
    "/\t/evil.test",
    "/\n/evil.test",
    "/\r\n/evil.test",
    "/\x00/evil.test",
    "/\x7f/evil.test",
    "/\x85/evil.test",
    "evil.test",
    "settings/profile",
    "",
    None,
]
SAFE = ["/", "/settings/profile", "/customers?x=1&y=/z", "/orders#line-3", "/a//b",
        "/search?q=https://x.test"]


@pytest.mark.parametrize("target", UNSAFE)
def test_unsafe_targets_are_refused(target):
    assert safe_next(target) is None


@pytest.mark.parametrize("target", SAFE)
def test_paths_on_this_site_are_kept(target):
    assert safe_next(target) == target


@pytest.fixture
def world(factory, db_session):
    built = make_world(factory)
    db_session.commit()
    return built


@pytest.mark.parametrize("target", ["https://evil.test/", "//evil.test", "/\\evil.test",
                                    "javascript:alert(1)"])
def test_the_composer_fallback_does_not_redirect_off_site(client, world, target):
    login(client, user(world.buyer_user_id))
    response = client.post(f"/inbox/{world.order_id}/messages",
                           data={"body": "hello", "next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/inbox/{world.order_id}"


def test_the_composer_fallback_follows_a_path_on_this_site(client, world):
    login(client, user(world.buyer_user_id))
    response = client.post(f"/inbox/{world.order_id}/messages",
                           data={"body": "hello", "next": f"/orders/{world.order_id}"})
    assert response.headers["Location"] == f"/orders/{world.order_id}"


@pytest.mark.parametrize("target", UNSAFE[:10])
def test_login_ignores_an_unsafe_next(client, factory, supplier, target):
    owner = factory.owner(supplier)
    response = client.post("/login", query_string={"next": target},
                           data={"email": owner.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_the_login_page_does_not_carry_an_unsafe_next(client):
    page = client.get("/login", query_string={"next": "https://evil.test/"})
    assert "evil.test" not in page.get_data(as_text=True)


@pytest.mark.parametrize("target", ["https://evil.test/", "//evil.test"])
def test_logout_ignores_an_unsafe_next(client, factory, supplier, target):
    login(client, factory.owner(supplier))
    response = client.post("/logout", data={"next": target})
    assert response.headers["Location"] == "/login"
