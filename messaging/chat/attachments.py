"""Attachments: images and PDFs, recognised by their first bytes (never by the name or the
type the browser claims), size-limited, stored under `<instance>/uploads/chat/`.

A file is written before its row exists, so the session remembers what it wrote: when the
transaction ends without a commit (a rejected message, an error, a second file refused) its
files are removed, and at the commit so are the ones no row took (a retried send returns the
stored message and attaches nothing). A savepoint rolled back keeps its files until then."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from flask import current_app
from werkzeug.utils import secure_filename

from wholesale.errors import ValidationFailed
from wholesale.extensions import db
from wholesale.transaction_state import lasts_one_transaction

_WRITTEN = "messaging.chat.uploads"  # session.info: {path: taken by a row?}

MAX_BYTES = 10 * 1024 * 1024
_SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"GIF87a", "image/gif", ".gif"),
    (b"GIF89a", "image/gif", ".gif"),
    (b"%PDF-", "application/pdf", ".pdf"),
)


@dataclass(frozen=True)
class StoredFile:
    filename: str
    content_type: str
    size: int
    storage_key: str


def sniff(head: bytes) -> tuple[str, str] | None:
    """(content type, extension) of an image or PDF, from its magic bytes; else None."""
    for magic, content_type, extension in _SIGNATURES:
        if head.startswith(magic):
            return content_type, extension
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp", ".webp"
    return None


def upload_root() -> Path:
    return Path(current_app.instance_path) / "uploads" / "chat"


def path_of(storage_key: str) -> Path:
    return upload_root() / storage_key


def store(stream: IO[bytes], filename: str | None, field: str = "file") -> StoredFile:
    """Check and keep one uploaded file; raises 422 for a wrong type or size."""
    data = stream.read(MAX_BYTES + 1)
    if not data:
        raise ValidationFailed.one(field, "The file is empty.")
    if len(data) > MAX_BYTES:
        raise ValidationFailed.one(field, f"Files can be up to {MAX_BYTES // (1024 * 1024)} MB.")
    kind = sniff(data[:16])
    if kind is None:
        raise ValidationFailed.one(field, "Attach an image (PNG, JPEG, GIF, WebP) or a PDF.")
    content_type, extension = kind
    stem = Path(secure_filename(filename or "") or "attachment").stem[:80] or "attachment"
    key = f"{secrets.token_hex(2)}/{secrets.token_urlsafe(18)}{extension}"
    target = path_of(key)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    db.session().info.setdefault(_WRITTEN, {})[target] = False
    return StoredFile(stem + extension, content_type, len(data), key)


def mark_taken(storage_key: str) -> None:
    """A row now refers to this file: keep it when the transaction commits."""
    written = db.session().info.get(_WRITTEN)
    path = path_of(storage_key)
    if written is not None and path in written:
        written[path] = True


def _remove_untaken(written: dict[Path, bool]) -> None:
    for path, taken in written.items():
        if not taken:
            path.unlink(missing_ok=True)


def _remove_all(written: dict[Path, bool]) -> None:
    for path in written:
        path.unlink(missing_ok=True)


lasts_one_transaction(_WRITTEN, on_commit=_remove_untaken, on_discard=_remove_all)
