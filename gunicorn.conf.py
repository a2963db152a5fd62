"""gunicorn settings, read from the working directory (gunicorn's default `--config`) by
`make run` and the test servers."""

from __future__ import annotations

import sys
from typing import Any


def worker_exit(server: Any, worker: Any) -> None:
    """Stop the in-process notification dispatcher (`NOTIFY_DISPATCHER=thread`) as the
    worker exits (SIGTERM, Ctrl-C), before the interpreter shuts its send pool down: it
    claims nothing more, finishes the sends at a provider and releases the rest."""
    webhooks = sys.modules.get("messaging.webhooks_out.sender")  # its sibling loop
    if webhooks is not None:
        webhooks.request_stop()  # stops meanwhile
    dispatcher = sys.modules.get("messaging.notifications.dispatcher")
    if dispatcher is not None:  # never imported: no dispatcher runs in this process
        dispatcher.stop_in_process()
    if webhooks is not None:
        webhooks.stop_in_process()


def post_worker_init(worker: Any) -> None:
    """`make run` (ORDERTALK_BANNER=<url>): end the start-up with the URL, the demo
    logins and the dev outbox, once the first worker is serving."""
    import os

    url = os.environ.get("ORDERTALK_BANNER")
    if url and getattr(worker, "age", 1) == 1:
        from wholesale.banner import banner

        print(banner(url), flush=True)
