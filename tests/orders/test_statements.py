"""What a placement costs in SQL statements: `POST /api/v1/orders` with three lines from one
warehouse, as the placement benchmark sends it, counted on every engine the request uses
(the session's and the autocommit pool of the order counter). Committed for real (the
`live_db` fixture), not inside a test's outer transaction, so the count is production's."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from tests.conftest import ApiClient
from tests.factories import Factory
from tests.orders.conftest import build_shop
from wholesale import autocommit
from wholesale.extensions import db

# The statements of a second placement (the supplier's order counter and the first
# order's one-off rows exist). Lower it when a change saves statements; it must not grow.
# Before issue 17 (notifications worked out in the request, ORM flush): 32 and 38.
# SQLite adds BEGIN IMMEDIATE and runs a statement per line and per allocation.
BUDGET = {"postgresql": 20, "sqlite": 26}


@contextmanager
def statements() -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    engines = [db.engine] + ([autocommit.engine()] if autocommit.available() else [])
    for engine in engines:
        event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", record)


def _place(api: ApiClient, body: dict[str, Any]) -> None:
    response = api.post("/api/v1/orders", json=body,
                        headers={"Idempotency-Key": uuid.uuid4().hex})
    assert response.status_code == 201, response.get_json()


def test_a_three_line_placement_stays_within_its_statement_budget(app, live_db: Factory
                                                                  ) -> None:
    shop = build_shop(live_db)
    for _ in range(3):
        shop.product({shop.near: 100})
    api = ApiClient(app.test_client(), live_db.token(shop.buyer_user))
    db.session.commit()
    body = shop.body(*((p, 2) for p in shop.products))
    _place(api, body)
    with statements() as run:
        _place(api, body)
    assert len(run) <= BUDGET[db.engine.dialect.name], "\n".join(run)
