"""Text no database can store — a NUL character, or a lone surrogate — is refused for the
whole request, whatever view it is for: in a path part it names nothing (404); in the query
string or a form field it is a validation error naming the field (422: JSON under /api, the
error page elsewhere). Request bodies sent as JSON are checked by the API's body parser.

Other control characters are stored as sent: they are valid text, and multi-line fields
legitimately carry tabs and line breaks.
"""

from __future__ import annotations

from flask import Flask, request

from wholesale.db import storable
from wholesale.errors import NotFound, ValidationFailed

MESSAGE = "Remove the invisible NUL character; it cannot be stored."


def register(app: Flask) -> None:
    @app.before_request
    def _refuse_unstorable_text() -> None:
        if not all(storable(v) for v in (request.view_args or {}).values()):
            raise NotFound("There is nothing at this address.")
        bad = sorted({key for source in (request.args, request.form)
                      for key, value in source.items(multi=True)
                      if not (storable(key) and storable(value))})
        if bad:
            raise ValidationFailed({key: [MESSAGE] for key in bad}, MESSAGE)
