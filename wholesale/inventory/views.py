"""Inventory pages for the supplier: stock per product per warehouse, receipts and
adjustments, the ledger, the low / dead / overstock reports and the CSV import."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("inventory", __name__)
