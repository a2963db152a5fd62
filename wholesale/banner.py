"""The few lines `make run` ends its start-up with: where the portal is, who to sign in
as, where the emails and texts go without a provider (printed by gunicorn.conf.py's
`post_worker_init` when ORDERTALK_BANNER is set)."""

from __future__ import annotations


def banner(url: str) -> str:
    from wholesale.demo import BUYER_EMAIL, DEMO_PASSWORD, SUPPLIER_EMAIL
    from wholesale.demo_bakery import BAKERY_EMAIL
    from wholesale.demo_routes import DRIVER_EMAIL

    url = url.rstrip("/")
    return "\n".join([
        "",
        f"  Ordertalk is running on {url}",
        f"  Sign in as {SUPPLIER_EMAIL} (supplier) or {BUYER_EMAIL} (buyer),",
        f"  also {BAKERY_EMAIL} (a second supplier), {DRIVER_EMAIL} (driver),",
        f"  kitchen1…kitchen12@demo.ordertalk.test (buyers); password {DEMO_PASSWORD}.",
        f"  Emails and texts (no provider set up) land in the dev outbox: {url}/dev/outbox",
        "  Ctrl-C stops it.",
        "",
    ])
