"""Real python-socketio clients against the live gunicorn server (CONTRACT.md §4)."""

from __future__ import annotations

import time
import uuid

import pytest
import requests
import socketio

from tests.chat.util import Client, make_order, org, user


def test_connect_without_credentials_is_refused(live_server, live_world):
    for auth in (None, {}, {"token": ""}, {"token": "otk_not-a-real-token"}, {"token": 42}):
        client = Client(live_server.url, None)
        with pytest.raises(socketio.exceptions.ConnectionError):
            client.sio.connect(live_server.url, auth=auth, transports=["websocket"],
                               wait_timeout=5)
        assert not client.sio.connected


def test_connect_with_a_revoked_token_is_refused(live_server, live_db, live_world):
    from wholesale.accounts import services as accounts
    from wholesale.accounts.models import ApiToken
    from wholesale.extensions import db

    token_row = db.session.query(ApiToken).filter_by(user_id=live_world.buyer_user_id).first()
    accounts.revoke_api_token(user(live_world.buyer_user_id), token_row.id)
    db.session.commit()
    with pytest.raises(socketio.exceptions.ConnectionError):
        Client(live_server.url, live_world.buyer_token).connect()


def _disconnected_within(client: Client, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not client.sio.connected:
            return True
        time.sleep(0.1)
    return False


def test_open_sockets_are_dropped_when_the_token_is_revoked_or_the_user_removed(
    live_server, live_db, live_world, sockets
):
    """The periodic re-check (messaging/chat/recheck.py) drops them within RECHECK_SECONDS;
    the other connections stay."""
    from messaging.chat.connections import RECHECK_SECONDS
    from wholesale.accounts import services as accounts
    from wholesale.accounts.models import ApiToken
    from wholesale.extensions import db

    buyer = sockets(live_server.url, live_world.buyer_token)
    staff = sockets(live_server.url, live_world.staff_token)
    owner = sockets(live_server.url, live_world.supplier_token)
    for client in (buyer, staff, owner):
        assert client.join(live_world.order_id)["ok"]
    token_row = db.session.query(ApiToken).filter_by(user_id=live_world.buyer_user_id).one()
    accounts.revoke_api_token(user(live_world.buyer_user_id), token_row.id)
    accounts.remove_member(user(live_world.supplier_user_id), live_world.staff_user_id)
    db.session.commit()

    assert _disconnected_within(buyer, RECHECK_SECONDS + 3)
    assert _disconnected_within(staff, 2)
    assert owner.sio.connected
    assert owner.send(live_world.order_id, "still here")["ok"]


def test_join_of_a_foreign_thread_is_refused_and_hears_nothing(live_server, live_world, sockets):
    stranger = sockets(live_server.url, live_world.stranger_token)
    ack = stranger.join(live_world.order_id)
    assert ack["ok"] is False
    assert ack["error"]["code"] == "not_found"
    assert "messages" not in ack
    refused_send = stranger.send(live_world.order_id, "let me in")
    assert refused_send["ok"] is False
    buyer = sockets(live_server.url, live_world.buyer_token)
    assert buyer.join(live_world.order_id)["ok"]
    assert buyer.send(live_world.order_id, "private words")["ok"]
    buyer.wait_for("message", lambda m: m["body"] == "private words")
    assert stranger.received("message", within=0.5) == []


def test_bad_payloads_get_error_acks(live_server, live_world, sockets):
    buyer = sockets(live_server.url, live_world.buyer_token)
    assert buyer.call("join", "not an object")["error"]["code"] == "validation_error"
    ack = buyer.call("join", {"order_id": "x"})
    assert ack["error"]["code"] == "validation_error"
    assert "order_id" in ack["error"]["fields"]
    assert buyer.call("send", {"order_id": live_world.order_id, "body": "no client id"})[
        "error"]["code"] == "validation_error"
    assert buyer.call("join", {"order_id": 2**31 - 1})["error"]["code"] == "not_found"


def test_send_is_stored_once_per_client_id_and_broadcast_to_both_sides(
    live_server, live_world, sockets
):
    order_id = live_world.order_id
    buyer = sockets(live_server.url, live_world.buyer_token)
    supplier = sockets(live_server.url, live_world.supplier_token)
    assert buyer.join(order_id)["ok"] and supplier.join(order_id)["ok"]
    client_id = uuid.uuid4().hex
    first = buyer.send(order_id, "Can you deliver before 9?", client_id)
    again = buyer.send(order_id, "Can you deliver before 9?", client_id)
    assert first["ok"] and again["ok"]
    assert first["message"]["id"] == again["message"]["id"]
    message = supplier.wait_for("message", lambda m: m["client_id"] == client_id)
    assert message["kind"] == "text" and message["author"]["side"] == "buyer"
    assert supplier.received("message", within=0.5).count(message) == 0  # broadcast once
    history = supplier.join(order_id)["messages"]
    assert [m["id"] for m in history if m["client_id"] == client_id] == [message["id"]]


def test_replay_after_reconnect_misses_nothing(live_server, live_world, sockets):
    order_id = live_world.order_id
    buyer = sockets(live_server.url, live_world.buyer_token)
    supplier = sockets(live_server.url, live_world.supplier_token)
    buyer.join(order_id)
    supplier.join(order_id)
    before = [buyer.send(order_id, f"before {i}")["message"] for i in range(3)]
    seen = supplier.wait_for("message", lambda m: m["id"] == before[-1]["id"])
    supplier.close()
    missed = [buyer.send(order_id, f"while away {i}")["message"] for i in range(5)]
    missed.append(supplier_note := sockets(live_server.url, live_world.staff_token).send(
        order_id, "staff note while away", internal=True)["message"])
    back = sockets(live_server.url, live_world.supplier_token)
    ack = back.join(order_id, after_id=seen["id"])
    assert ack["ok"]
    assert [m["id"] for m in ack["messages"]] == [m["id"] for m in missed]
    seqs = [m["seq"] for m in ack["messages"]]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    assert supplier_note["kind"] == "note"
    # The buyer replays the same window without the note.
    buyer_replay = buyer.join(order_id, after_id=seen["id"])["messages"]
    assert [m["id"] for m in buyer_replay] == [m["id"] for m in missed[:-1]]


def _missed(order_id: int, author_id: int, author_org_id: int, count: int) -> list[int]:
    """`count` messages stored while nobody was connected (inserted in one batch); their
    ids in order."""
    from sqlalchemy import insert, select, update

    from messaging.chat.models import Message, Thread
    from wholesale.db import utcnow
    from wholesale.extensions import db

    thread = db.session.execute(select(Thread.__table__).where(Thread.order_id == order_id)).one()
    now = utcnow()
    db.session.execute(insert(Message.__table__), [
        {"thread_id": thread.id, "order_id": order_id, "supplier_id": thread.supplier_id,
         "buyer_id": thread.buyer_id, "seq": thread.last_seq + n, "kind": "text",
         "author_id": author_id, "author_org_id": author_org_id, "body": f"missed {n}",
         "created_at": now} for n in range(1, count + 1)])
    db.session.execute(update(Thread.__table__).where(Thread.id == thread.id).values(
        last_seq=thread.last_seq + count, last_public_seq=thread.last_seq + count))
    ids = list(db.session.scalars(
        select(Message.__table__.c.id)
        .where(Message.thread_id == thread.id, Message.seq > thread.last_seq)
        .order_by(Message.seq)))
    db.session.commit()
    return ids


def test_join_replays_every_missed_message(live_server, live_world, sockets):
    order_id = live_world.order_id
    supplier = sockets(live_server.url, live_world.supplier_token)
    seen = supplier.join(order_id) and supplier.send(order_id, "last one I saw")["message"]
    supplier.close()
    missed = _missed(order_id, live_world.buyer_user_id, live_world.buyer_id, 5000)

    back = sockets(live_server.url, live_world.supplier_token)
    ack = back.join(order_id, after_id=seen["id"])
    assert ack["ok"] and "more" not in ack
    assert [m["id"] for m in ack["messages"]] == missed
    assert ack["messages"][-1]["body"] == "missed 5000"
    assert ack["messages"][0]["author"]["side"] == "buyer"
    # Joined too: a message sent now arrives live.
    sent = sockets(live_server.url, live_world.buyer_token).send(order_id, "still there?")
    assert back.wait_for("message", lambda m: m["id"] == sent["message"]["id"])


def test_internal_notes_never_reach_the_buyer(live_server, live_world, sockets):
    order_id = live_world.order_id
    buyer = sockets(live_server.url, live_world.buyer_token)
    staff = sockets(live_server.url, live_world.staff_token)
    owner = sockets(live_server.url, live_world.supplier_token)
    for client in (buyer, staff, owner):
        assert client.join(order_id)["ok"]
    public = staff.send(order_id, "We will deliver at 8.")
    note = staff.send(order_id, "SECRET margin is thin on this one", internal=True)
    assert note["ok"] and note["message"]["kind"] == "note"
    staff.call("typing", {"order_id": order_id, "internal": True})
    owner.wait_for("message", lambda m: m["id"] == note["message"]["id"])
    owner.wait_for("typing")
    buyer.wait_for("message", lambda m: m["id"] == public["message"]["id"])
    assert buyer.join(order_id)["messages"][-1]["id"] == public["message"]["id"]
    forbidden = buyer.send(order_id, "am I staff?", internal=True)
    assert forbidden["ok"] is False and forbidden["error"]["code"] == "forbidden_role"
    assert buyer.call("read", {"order_id": order_id, "message_id": note["message"]["id"]})[
        "error"]["code"] == "not_found"
    # The supplier reads up to the note: the buyer hears of the last message it can see.
    assert owner.call("read", {"order_id": order_id, "message_id": note["message"]["id"]})["ok"]
    receipt = buyer.wait_for("read", lambda r: r["user"]["id"] == live_world.supplier_user_id)
    assert receipt["message_id"] == public["message"]["id"]
    assert receipt["seq"] == public["message"]["seq"]
    everything = (buyer.received("message", 0.3)
                  + buyer.received("typing", 0) + buyer.received("read", 0))
    assert "SECRET" not in repr(everything)
    assert all(m["kind"] != "note" for m in buyer.join(order_id)["messages"])
    # The API says the same.
    response = requests.get(
        f"{live_server.url}/api/v1/orders/{order_id}/messages",
        headers={"Authorization": f"Bearer {live_world.buyer_token}"}, timeout=10)
    assert response.status_code == 200
    assert "SECRET" not in response.text
    staff_view = requests.get(
        f"{live_server.url}/api/v1/orders/{order_id}/messages",
        headers={"Authorization": f"Bearer {live_world.staff_token}"}, timeout=10)
    assert "SECRET" in staff_view.text


def test_api_posted_message_arrives_on_the_socket(live_server, live_world, sockets):
    order_id = live_world.order_id
    supplier = sockets(live_server.url, live_world.supplier_token)
    supplier.join(order_id)
    response = requests.post(
        f"{live_server.url}/api/v1/orders/{order_id}/messages",
        json={"body": "Posted through the API", "client_id": "api-1"},
        headers={"Authorization": f"Bearer {live_world.buyer_token}"}, timeout=10)
    assert response.status_code == 201, response.text
    message = supplier.wait_for("message", lambda m: m["id"] == response.json()["id"])
    assert message["body"] == "Posted through the API"
    assert message["order_id"] == order_id
    # Once per connection, joined or not.
    assert supplier.received("message", 0.5) == []
    other_tab = sockets(live_server.url, live_world.staff_token)
    again = requests.post(
        f"{live_server.url}/api/v1/orders/{order_id}/messages",
        json={"body": "Second one"},
        headers={"Authorization": f"Bearer {live_world.buyer_token}"}, timeout=10).json()
    assert other_tab.wait_for("message", lambda m: m["id"] == again["id"])["body"] == "Second one"


def test_typing_and_read_receipts(live_server, live_world, sockets):
    order_id = live_world.order_id
    buyer = sockets(live_server.url, live_world.buyer_token)
    supplier = sockets(live_server.url, live_world.supplier_token)
    assert buyer.call("typing", {"order_id": order_id})["error"]["code"] == "not_joined"
    buyer.join(order_id)
    supplier.join(order_id)
    assert buyer.call("typing", {"order_id": order_id})["ok"]
    typing = supplier.wait_for("typing")
    assert typing["user"]["id"] == live_world.buyer_user_id
    assert buyer.received("typing", 0.2) == []  # not echoed to the typist
    sent = buyer.send(order_id, "hello")["message"]
    assert supplier.wait_for("message", lambda m: m["id"] == sent["id"])
    ack = supplier.call("read", {"order_id": order_id, "message_id": sent["id"]})
    assert ack == {"ok": True, "message_id": sent["id"], "seq": sent["seq"]}
    receipt = buyer.wait_for("read")
    assert receipt["user"]["side"] == "supplier" and receipt["seq"] == sent["seq"]
    counts = supplier.wait_for("unread", lambda u: u["order_id"] == order_id)
    assert counts["unread"] == 0


def test_a_user_sees_only_their_organizations_threads(live_server, live_db, live_world, sockets):
    from wholesale.extensions import db

    other_id = make_order(live_db, org(live_world.supplier_id), live_db.buyer()).id
    db.session.commit()
    buyer = sockets(live_server.url, live_world.buyer_token)
    assert buyer.join(other_id)["ok"] is False
    supplier = sockets(live_server.url, live_world.supplier_token)
    assert supplier.join(other_id)["ok"] is True


def test_concurrent_retries_store_one_message_and_keep_the_counters(live_server, live_db,
                                                                    live_world):
    from concurrent.futures import ThreadPoolExecutor

    from sqlalchemy import func, select

    from messaging.chat.models import Message, Thread
    from wholesale.extensions import db

    url = f"{live_server.url}/api/v1/orders/{live_world.order_id}/messages"
    headers = {"Authorization": f"Bearer {live_world.buyer_token}"}
    requests.post(url, json={"body": "first"}, headers=headers, timeout=10)

    def send(_: int) -> tuple[int, int]:
        response = requests.post(url, json={"body": "same", "client_id": "retry-1"},
                                 headers=headers, timeout=20)
        return response.status_code, response.json()["id"]

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(send, range(8)))
    assert {status for status, _ in results} <= {200, 201}
    assert [status for status, _ in results].count(201) == 1
    assert len({message_id for _, message_id in results}) == 1
    after = requests.post(url, json={"body": "after"}, headers=headers, timeout=10).json()
    stmt = select(Message.seq).where(Message.order_id == live_world.order_id)
    seqs = sorted(db.session.scalars(stmt.execution_options(all_tenants=True)))
    thread = db.session.scalars(select(Thread).where(Thread.order_id == live_world.order_id)
                                .execution_options(all_tenants=True)).one()
    assert seqs == [1, 2, 3] and after["seq"] == 3
    assert thread.last_seq == 3 and thread.last_public_seq == 3
    assert db.session.scalar(select(func.count()).select_from(Message).where(
        Message.client_id == "retry-1").execution_options(all_tenants=True)) == 1
    db.session.rollback()


def test_the_portal_session_cookie_authenticates_the_socket(live_server, live_db, live_world,
                                                           sockets):
    import re as regex

    from tests.factories import PASSWORD
    from wholesale.extensions import db

    email = user(live_world.buyer_user_id).email
    db.session.rollback()
    browser = requests.Session()
    form = browser.get(f"{live_server.url}/login", timeout=10).text
    token = regex.search(r'<meta name="csrf-token" content="([^"]+)"', form).group(1)
    signed_in = browser.post(f"{live_server.url}/login", timeout=10, allow_redirects=False,
                             data={"email": email, "password": PASSWORD, "csrf_token": token})
    assert signed_in.status_code == 302
    cookie = "; ".join(f"{c.name}={c.value}" for c in browser.cookies)
    # The same browser: Flask-Login's strong session protection checks the User-Agent.
    agent = browser.headers["User-Agent"]
    client = sockets(live_server.url, None, headers={"Cookie": cookie, "User-Agent": agent})
    assert client.join(live_world.order_id)["ok"]
    assert client.send(live_world.order_id, "via the cookie")["message"]["author"]["id"] == (
        live_world.buyer_user_id)
    # Signing out ends that session: a new connection with the old cookie is refused.
    browser.post(f"{live_server.url}/logout", timeout=10,
                 data={"csrf_token": regex.search(
                     r'<meta name="csrf-token" content="([^"]+)"',
                     browser.get(f"{live_server.url}/", timeout=10).text).group(1)})
    stale = "; ".join(f"{c.name}={c.value}" for c in browser.cookies)
    with pytest.raises(socketio.exceptions.ConnectionError):
        Client(live_server.url, None, headers={"Cookie": stale, "User-Agent": agent}).connect()


def test_a_password_change_drops_the_open_cookie_socket(live_server, live_db, live_world,
                                                       sockets):
    """A socket signed in with the portal cookie ends with the session: the periodic
    re-check finds its portal session gone."""
    import re as regex

    from messaging.chat.connections import RECHECK_SECONDS
    from tests.factories import PASSWORD
    from wholesale.accounts import services as accounts
    from wholesale.extensions import db

    email = user(live_world.buyer_user_id).email
    db.session.rollback()
    browser = requests.Session()
    form = browser.get(f"{live_server.url}/login", timeout=10).text
    token = regex.search(r'<meta name="csrf-token" content="([^"]+)"', form).group(1)
    assert browser.post(f"{live_server.url}/login", timeout=10, allow_redirects=False,
                        data={"email": email, "password": PASSWORD,
                              "csrf_token": token}).status_code == 302
    cookie = "; ".join(f"{c.name}={c.value}" for c in browser.cookies)
    agent = browser.headers["User-Agent"]
    by_cookie = sockets(live_server.url, None, headers={"Cookie": cookie, "User-Agent": agent})
    by_token = sockets(live_server.url, live_world.buyer_token)  # the same user's API token
    assert by_cookie.join(live_world.order_id)["ok"]

    accounts.change_password(user(live_world.buyer_user_id), PASSWORD, "a-new-pass-phrase-42")
    db.session.commit()

    assert _disconnected_within(by_cookie, RECHECK_SECONDS + 3)
    assert by_token.sio.connected  # tokens are not sessions: they stay valid
    assert by_token.join(live_world.order_id)["ok"]


def _signed_in_browser(url: str, email: str) -> tuple[requests.Session, dict[str, str]]:
    """A signed-in `requests` browser and the headers a socket needs to use its cookie."""
    import re as regex

    from tests.factories import PASSWORD

    browser = requests.Session()
    form = browser.get(f"{url}/login", timeout=10).text
    token = regex.search(r'<meta name="csrf-token" content="([^"]+)"', form).group(1)
    assert browser.post(f"{url}/login", timeout=10, allow_redirects=False,
                        data={"email": email, "password": PASSWORD,
                              "csrf_token": token}).status_code == 302
    cookie = "; ".join(f"{c.name}={c.value}" for c in browser.cookies)
    return browser, {"Cookie": cookie, "User-Agent": browser.headers["User-Agent"]}


def test_logout_drops_the_sockets_of_that_session_only(live_server, live_db, live_world,
                                                      sockets):
    """Signing out on one device drops that session's open socket, even one opened with a
    copy of its cookie, and refuses the copy afterwards; another device's socket stays."""
    import re as regex

    from messaging.chat.connections import RECHECK_SECONDS
    from wholesale.extensions import db

    email = user(live_world.buyer_user_id).email
    db.session.rollback()
    phone, copied = _signed_in_browser(live_server.url, email)
    _laptop, laptop_headers = _signed_in_browser(live_server.url, email)
    by_copy = sockets(live_server.url, None, headers=copied)
    laptop = sockets(live_server.url, None, headers=laptop_headers)
    assert by_copy.join(live_world.order_id)["ok"] and laptop.join(live_world.order_id)["ok"]

    page = phone.get(f"{live_server.url}/", timeout=10).text
    csrf = regex.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)
    assert phone.post(f"{live_server.url}/logout", timeout=10, allow_redirects=False,
                      data={"csrf_token": csrf}).status_code == 302

    assert _disconnected_within(by_copy, RECHECK_SECONDS + 3)
    with pytest.raises(socketio.exceptions.ConnectionError):
        Client(live_server.url, None, headers=copied).connect()
    assert laptop.sio.connected
    assert laptop.send(live_world.order_id, "still signed in here")["ok"]
