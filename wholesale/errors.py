"""Errors the services raise; the API turns them into CONTRACT.md §3 JSON, pages into HTML."""

from __future__ import annotations


class DomainError(Exception):
    """A request that cannot be carried out; `status` and `code` follow CONTRACT.md §3."""

    status = 400
    code = "bad_request"

    def __init__(
        self, message: str, *, code: str | None = None, fields: dict[str, list[str]] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.fields = fields or {}

    def to_dict(self) -> dict[str, object]:
        error: dict[str, object] = {"code": self.code, "message": self.message}
        if self.fields:
            error["fields"] = self.fields
        return {"error": error}


class BadRequest(DomainError):
    status = 400
    code = "bad_request"


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class ValidationFailed(DomainError):
    """Field-level problems: `fields` maps a dotted path to its messages."""

    status = 422
    code = "validation_error"

    def __init__(
        self, fields: dict[str, list[str]], message: str = "Some fields are invalid."
    ) -> None:
        super().__init__(message, fields=fields)

    @classmethod
    def one(cls, field: str, message: str) -> ValidationFailed:
        return cls({field: [message]}, message)
