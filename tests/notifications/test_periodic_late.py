"""The dispatcher's periodic work includes the late-order check (issue 4: orders past their
delivery date are flagged and announced by the worker)."""

from __future__ import annotations

import pytest

from messaging.notifications import dispatcher as dispatcher_module
from messaging.notifications.dispatcher import Dispatcher
from messaging.notifications.settings import dispatcher_settings


def test_the_dispatcher_runs_the_late_order_check_with_the_digests(
    app, live_db, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    monkeypatch.setattr(dispatcher_module, "flag_late_orders", lambda: calls.append("late"))
    quiet = Dispatcher(app, settings=dispatcher_settings(app), run_digests=False)
    busy = Dispatcher(app, settings=dispatcher_settings(app), run_digests=True)
    try:
        quiet.step()
        assert calls == []
        busy.step()
        busy.step()  # within the interval: not again
        assert calls == ["late"]
    finally:
        quiet.pool.shutdown()
        busy.pool.shutdown()
