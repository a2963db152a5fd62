def test_me(api_as, factory):
    supplier = factory.supplier()
    response = api_as(factory.owner(supplier)).get("/api/v1/me")
    assert response.status_code == 200
    assert response.json["organization"]["id"] == supplier.id


def test_healthz(client):
    assert client.get("/healthz").json == {"status": "ok", "database": "ok"}


def test_live(live_server, live_db):
    import requests

    live_db.supplier()
    from wholesale.extensions import db

    db.session.commit()
    assert requests.get(live_server.url + "/healthz").json()["status"] == "ok"
