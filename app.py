"""Ordertalk: `create_app()` and the entry point (`python app.py` serves on $PORT)."""

from __future__ import annotations

import gc
import logging
import sys
from collections.abc import Mapping
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

import messaging
import wholesale
from wholesale import security_headers
from wholesale.config import ConfigError, load_settings

# Libraries whose INFO lines bury the app's own (fontTools logs every font subset a PDF
# makes); their warnings and errors still show.
QUIET_LOGGERS = ("fontTools", "fpdf", "PIL", "engineio", "socketio", "urllib3", "httpx",
                 "httpcore", "twilio", "sendgrid", "apscheduler")


def _quiet_libraries() -> None:
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


def create_app(
    overrides: Mapping[str, object] | None = None, instance_path: str | Path | None = None
) -> Flask:
    """Build the app from the environment; `overrides` (tests) win over it."""
    root = Path(__file__).resolve().parent
    app = Flask(
        __name__,
        instance_path=str(instance_path or root / "instance"),
        template_folder=str(root / "templates"),
        static_folder=str(root / "static"),
    )
    env_overrides = {
        k: str(v) for k, v in (overrides or {}).items() if k.isupper() and isinstance(v, str)
    }
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    _quiet_libraries()
    try:
        app.config.update(load_settings(env_overrides, Path(app.instance_path)))
        app.config.update(overrides or {})
        wholesale.init_app(app)
        security_headers.init_app(app)
        messaging.init_app(app)  # checks the dispatcher's NOTIFY_* settings
    except ConfigError as exc:
        raise SystemExit(f"Ordertalk cannot start: {exc}") from None
    if proxies := app.config["TRUSTED_PROXIES"]:
        # Outermost, so Socket.IO's requests (origin check, client address) see it too.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_port=proxies
        )
    # What start-up made (modules, mappers, templates: some 200k objects) lives as long as
    # the process; left to the garbage collector, every full collection walks it again, a
    # pause of 100 ms and more in the middle of a request. Frozen, it is never walked.
    gc.freeze()
    return app


if __name__ == "__main__":
    from wholesale.extensions import socketio

    application = create_app()
    port = int(sys.argv[1]) if len(sys.argv) > 1 else application.config["PORT"]
    socketio.run(application, host="127.0.0.1", port=port, allow_unsafe_werkzeug=True)
