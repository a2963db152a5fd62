"""API: CSV imports (products, stock) with a dry run — shared by the portal's import page."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_login import current_user
from marshmallow import Schema, fields, validate

from wholesale.api.registry import route
from wholesale.catalog import csv_import
from wholesale.errors import ValidationFailed


class ImportQuery(Schema):
    dry_run = fields.Boolean(load_default=True,
                             metadata={"description": "true (default): check only"})


class StockImportQuery(ImportQuery):
    mode = fields.String(load_default="set", validate=validate.OneOf(["set", "add"]),
                         metadata={"description": "set: quantities are stock counts; "
                                                  "add: goods received"})


class RowErrorSchema(Schema):
    row = fields.Integer()
    column = fields.String()
    message = fields.String()


class ImportReportSchema(Schema):
    kind = fields.String()
    rows = fields.Integer()
    creates = fields.Integer()
    updates = fields.Integer()
    unchanged = fields.Integer()
    ok = fields.Boolean()
    applied = fields.Boolean()
    error_count = fields.Integer()
    errors = fields.List(fields.Nested(RowErrorSchema))
    columns = fields.List(fields.String())
    preview_columns = fields.List(fields.String(),
                                  metadata={"description": "the preview's keys, in order"})
    preview = fields.List(fields.Dict())


def uploaded_csv() -> bytes:
    """The CSV: a multipart field `file`, or the raw body (text/csv)."""
    upload = request.files.get("file")
    if upload is not None:
        return upload.read()
    if request.mimetype in ("text/csv", "text/plain", "application/octet-stream"):
        return request.get_data()
    raise ValidationFailed.one("file", "Send the CSV as a multipart field 'file' or as a "
                                       "text/csv body.")


def _result(report: csv_import.ImportReport, dry_run: bool) -> dict[str, Any]:
    if not dry_run and not report.ok:
        fields_ = {}
        for error in report.errors:
            key = f"rows.{error.row}" + (f".{error.column}" if error.column else "")
            fields_.setdefault(key, []).append(error.message)
        raise ValidationFailed(fields_, f"{report.error_count} problem(s) in the file; "
                                        "nothing was imported.")
    return report.as_dict()


@route(
    "/products/import",
    "POST",
    summary="Import products from CSV (multipart `file` or a text/csv body); with dry_run "
    "(the default) only check and list every bad row",
    query=ImportQuery,
    response=ImportReportSchema,
    kinds=["supplier"],
)
def import_products(query: dict[str, Any]) -> dict[str, Any]:
    report = csv_import.import_products(current_user.organization, uploaded_csv(),
                                        dry_run=query["dry_run"])
    return _result(report, query["dry_run"])


@route(
    "/stock/import",
    "POST",
    summary="Import stock counts (mode=set) or receipts (mode=add) from CSV: columns sku, "
    "warehouse, quantity, reason",
    query=StockImportQuery,
    response=ImportReportSchema,
    kinds=["supplier"],
)
def import_stock(query: dict[str, Any]) -> dict[str, Any]:
    report = csv_import.import_stock(current_user._get_current_object(), uploaded_csv(),
                                     mode=query["mode"], dry_run=query["dry_run"])
    return _result(report, query["dry_run"])
