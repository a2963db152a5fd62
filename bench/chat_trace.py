"""Gunicorn config for `chat_latency.py --trace`: stamps where a message's time goes.

Loaded into the relay and the app servers alike (`gunicorn -c bench/chat_trace.py`). In each
worker it wraps, from the outside:
- python-socketio's event dispatch: when a `send` handler starts;
- `wholesale.autocommit.fetch_one` (the app's one statement per message, on PostgreSQL):
  when it leaves and when its answer is back;
- the pub/sub manager's `emit`: a `message` emitted from that handler gets a `_trace` dict
  of those wall-clock times (plus the emit's own), which the bench's clients read.

Times are `time.time()`: the same clock in every process of the machine. The wrapping costs
a few microseconds per message on both sides; the untraced run is the one to quote.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import Any

_marks = threading.local()  # the current handler thread's stamps


def post_worker_init(worker: Any) -> None:
    import socketio
    from socketio.pubsub_manager import PubSubManager

    dispatch = socketio.Server._handle_event_internal

    def traced_dispatch(self: Any, server: Any, sid: str, eio_sid: str, data: list[Any],
                        *args: Any) -> Any:
        _marks.stamps = {"handler": time.time()} if data and data[0] == "send" else None
        try:
            return dispatch(self, server, sid, eio_sid, data, *args)
        finally:
            _marks.stamps = None

    emit = PubSubManager.emit

    def traced_emit(self: Any, event: str, data: Any, *args: Any, **kwargs: Any) -> Any:
        stamps = getattr(_marks, "stamps", None)
        if stamps and event == "message" and isinstance(data, dict):
            data = {**data, "_trace": {**stamps, "emit": time.time()}}
        return emit(self, event, data, *args, **kwargs)

    socketio.Server._handle_event_internal = traced_dispatch
    PubSubManager.emit = traced_emit
    autocommit = sys.modules.get("wholesale.autocommit")  # the app's (not in the relay)
    if autocommit is None:
        return
    fetch_one = autocommit.fetch_one

    def traced_fetch_one(sql: str, params: dict[str, Any]) -> Any:
        stamps = getattr(_marks, "stamps", None)
        if stamps is not None:
            stamps["statement"] = time.time()
        try:
            return fetch_one(sql, params)
        finally:
            if stamps is not None:
                stamps["answer"] = time.time()

    autocommit.fetch_one = traced_fetch_one
