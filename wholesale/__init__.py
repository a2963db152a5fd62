"""The wholesale domain: accounts, trading relationships, sites (and later catalog, orders,
inventory, invoices). It never imports `messaging`; it announces events through
`wholesale.signals`."""

from __future__ import annotations

from flask import Flask, g, request
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.engine import Engine

from wholesale import (  # noqa: F401  (tables; pool events)
    error_handlers,
    models,
    pool_ping,
    request_text,
)
from wholesale.extensions import csrf, db, limiter, login_manager, migrate, socketio
from wholesale.json_provider import JSONProvider
from wholesale.tenancy import set_tenant
from wholesale.urls import BoundedIntConverter


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = BoundedIntConverter
    app.json = JSONProvider(app)
    db.init_app(app)
    migrate.init_app(
        app,
        db,
        directory=str(app.root_path + "/migrations"),
        compare_type=True,
        render_as_batch=True,
    )
    csrf.init_app(app)
    limiter.init_app(app)
    _init_login(app)
    socketio.init_app(
        app,
        message_queue=app.config["REDIS_URL"],
        async_mode="threading",
        channel=app.config["SOCKETIO_CHANNEL"],
        cors_allowed_origins=[app.config["PUBLIC_BASE_URL"]],
        logger=False,
    )
    _register_blueprints(app)
    error_handlers.register(app)
    request_text.register(app)
    _register_cli(app)

    @app.before_request
    def _tenant_from_session() -> None:
        """Pages see what the signed-in user's organization may see (the API sets its own)."""
        set_tenant(None)
        if not request.path.startswith("/api/") and current_user.is_authenticated:
            set_tenant(current_user.organization_id)

    @app.teardown_appcontext
    def _forget_tenant(_exc: BaseException | None) -> None:
        g.pop("tenant_org_id", None)


def _init_login(app: Flask) -> None:
    from wholesale.accounts.services import load_session_user

    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Sign in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    login_manager.user_loader(load_session_user)


def _register_blueprints(app: Flask) -> None:
    from wholesale.accounts import api as _accounts_api  # noqa: F401  (registers routes)
    from wholesale.accounts.views import bp as accounts_bp
    from wholesale.api import bp as api_bp
    from wholesale.api import openapi as _openapi  # noqa: F401
    from wholesale.catalog import api as _catalog_api  # noqa: F401
    from wholesale.catalog import price_list_api as _price_list_api  # noqa: F401
    from wholesale.catalog.views import bp as catalog_bp
    from wholesale.drafts import api as _drafts_api  # noqa: F401
    from wholesale.fulfilment import api as _fulfilment_api  # noqa: F401
    from wholesale.fulfilment import models as _fulfilment_models  # noqa: F401
    from wholesale.fulfilment.hooks import bp as carrier_hooks_bp
    from wholesale.fulfilment.views import bp as fulfilment_bp
    from wholesale.health import bp as health_bp
    from wholesale.intake import api as _intake_api  # noqa: F401
    from wholesale.inventory import api as _inventory_api  # noqa: F401
    from wholesale.inventory.views import bp as inventory_bp
    from wholesale.invoicing import api as _invoicing_api  # noqa: F401
    from wholesale.invoicing import models as _invoicing_models  # noqa: F401
    from wholesale.invoicing.views import bp as invoicing_bp
    from wholesale.orders import api as _orders_api  # noqa: F401
    from wholesale.orders import rules_api as _rules_api  # noqa: F401
    from wholesale.orders.views import bp as orders_bp
    from wholesale.portal.views import bp as portal_bp
    from wholesale.purchasing import api as _purchasing_api  # noqa: F401
    from wholesale.purchasing.views import bp as purchasing_bp
    from wholesale.routes import api as _routes_api  # noqa: F401
    from wholesale.routes.views import bp as routes_bp
    from wholesale.sites import api as _sites_api  # noqa: F401
    from wholesale.sites.views import bp as sites_bp
    from wholesale.standing import api as _standing_api  # noqa: F401
    from wholesale.standing.views import bp as standing_bp
    from wholesale.trading import api as _trading_api  # noqa: F401
    from wholesale.trading.views import bp as trading_bp

    csrf.exempt(api_bp)  # the API checks its own CSRF header when a cookie is used
    csrf.exempt(carrier_hooks_bp)  # the secret in the path is the check
    for blueprint in (api_bp, health_bp, accounts_bp, orders_bp, catalog_bp, inventory_bp,
                      portal_bp, trading_bp, sites_bp, fulfilment_bp, invoicing_bp,
                      carrier_hooks_bp, purchasing_bp, standing_bp, routes_bp):
        app.register_blueprint(blueprint)


def _register_cli(app: Flask) -> None:
    from wholesale.catalog.cli import register_cli as register_catalog_cli
    from wholesale.demo import seed_demo_command
    from wholesale.invoicing.cli import invoicing_daily_command
    from wholesale.scale_seed import seed_scale_command

    app.cli.add_command(seed_demo_command)
    app.cli.add_command(seed_scale_command)
    app.cli.add_command(invoicing_daily_command)
    register_catalog_cli(app)


@event.listens_for(Engine, "connect")
def _sqlite_connect(dbapi_connection, _record) -> None:
    """SQLite: WAL, a busy timeout, enforced foreign keys, and transactions we begin
    ourselves (pysqlite's own handling breaks SAVEPOINT)."""
    if not type(dbapi_connection).__module__.startswith("sqlite3"):
        return
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    for pragma in (
        "journal_mode=WAL",
        "busy_timeout=10000",
        "foreign_keys=ON",
        "synchronous=NORMAL",
    ):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection) -> None:
    """SQLite: every transaction takes the write lock up front (BEGIN IMMEDIATE), so two
    writers never both read a value and then collide; others wait up to busy_timeout."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")
