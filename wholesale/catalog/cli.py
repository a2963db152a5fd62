"""`flask --app app import-products FILE`, `import-stock FILE` and `export-products`."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import click
from flask import Flask
from flask.cli import with_appcontext
from sqlalchemy import select

from wholesale.accounts.models import Organization, OrgKind, Role, User
from wholesale.accounts.services import find_user_by_email
from wholesale.catalog import csv_import
from wholesale.errors import DomainError
from wholesale.extensions import db


def register_cli(app: Flask) -> None:
    for command in (import_products_command, import_stock_command, export_products_command):
        app.cli.add_command(command)


def _supplier_user(email: str | None) -> User:
    if email:
        user = find_user_by_email(email)
        if user is None:
            raise click.ClickException(f"No user with the email {email}.")
        if user.organization.kind is not OrgKind.SUPPLIER:
            raise click.ClickException(f"{email} does not belong to a supplier.")
        return user
    suppliers = list(db.session.scalars(
        select(Organization).where(Organization.kind == OrgKind.SUPPLIER).limit(2)))
    if len(suppliers) != 1:
        raise click.ClickException(
            "Say which supplier imports: --supplier-email someone@supplier.example")
    users = suppliers[0].users
    return next((u for u in users if u.role is Role.OWNER), users[0])


def _report(report: csv_import.ImportReport, seconds: float, what: str) -> None:
    click.echo(f"{report.rows} rows {'imported' if report.applied else 'checked'} "
               f"in {seconds:.1f} s.")
    if not report.ok:
        for error in report.errors:
            column = f", column {error.column}" if error.column else ""
            click.echo(f"  row {error.row}{column}: {error.message}", err=True)
        if report.error_count > len(report.errors):
            click.echo(f"  … and {report.error_count - len(report.errors)} more.", err=True)
        raise click.ClickException(
            f"{report.error_count} problem(s) found; nothing was imported.")
    if report.applied:
        click.echo(f"Imported: {report.creates} new, {report.updates} {what}, "
                   f"{report.unchanged} unchanged.")
    else:
        click.echo(f"Dry run: {report.creates} would be created, {report.updates} {what}, "
                   f"{report.unchanged} unchanged. Nothing was changed.")


def _run(path: Path, dry_run: bool, label: str, work: Callable[..., csv_import.ImportReport]
         ) -> tuple[csv_import.ImportReport, float]:
    data = path.read_bytes()
    estimate = max(data.count(b"\n"), 1)
    started = time.perf_counter()
    with click.progressbar(length=estimate * (1 if dry_run else 2), label=label,
                           show_pos=True) as bar:
        try:
            report = work(data, lambda n: bar.update(n))
        except DomainError as exc:
            db.session.rollback()
            raise click.ClickException(exc.message) from None
        bar.update(bar.length)
    if report.applied:
        db.session.commit()
    else:
        db.session.rollback()
    return report, time.perf_counter() - started


@click.command("import-products")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--supplier-email", help="A user of the supplier whose catalog this is.")
@click.option("--dry-run", is_flag=True, help="Check the file and list every problem only.")
@with_appcontext
def import_products_command(file: Path, supplier_email: str | None, dry_run: bool) -> None:
    """Create or update products from a CSV file (all or nothing)."""
    user = _supplier_user(supplier_email)
    report, seconds = _run(file, dry_run, "Importing products", lambda data, progress:
                  csv_import.import_products(user.organization, data, dry_run=dry_run,
                                             progress=progress))
    _report(report, seconds, "updated")


@click.command("import-stock")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--supplier-email", help="The user the ledger records as making the change.")
@click.option("--mode", type=click.Choice(["set", "add"]), default="set", show_default=True,
              help="set: the quantity is a stock count; add: goods received.")
@click.option("--dry-run", is_flag=True, help="Check the file and list every problem only.")
@with_appcontext
def import_stock_command(file: Path, supplier_email: str | None, mode: str,
                         dry_run: bool) -> None:
    """Stock counts or receipts per SKU and warehouse from a CSV file (all or nothing)."""
    user = _supplier_user(supplier_email)
    report, seconds = _run(file, dry_run, "Importing stock", lambda data, progress:
                  csv_import.import_stock(user, data, mode=mode, dry_run=dry_run,
                                          progress=progress))
    _report(report, seconds, "changed")


@click.command("export-products")
@click.option("--supplier-email", help="A user of the supplier whose catalog this is.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file instead of the standard output.")
@with_appcontext
def export_products_command(supplier_email: str | None, output: Path | None) -> None:
    """Write the supplier's products as CSV (the columns import-products reads)."""
    text = csv_import.export_products(_supplier_user(supplier_email).organization)
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)
