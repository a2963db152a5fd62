"""Form helpers every portal page shares: running a service for a submitted form, service
errors next to the fields, coordinates, and the empty form behind POST-only buttons."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import TypeVar

from flask import flash
from flask_wtf import FlaskForm
from wtforms import DecimalField, Field
from wtforms.validators import InputRequired, NumberRange, StopValidation

from wholesale.errors import Conflict, DomainError, ValidationFailed
from wholesale.extensions import db

T = TypeVar("T")


class ActionForm(FlaskForm):
    """A button that changes something (sign out, revoke, remove): its CSRF token only."""


def submit(form: FlaskForm, action: Callable[[], T],
           aliases: dict[str, str] | None = None) -> tuple[bool, T | None]:
    """For a valid submitted form, run `action` (a service call) and commit once.

    A service's validation error or conflict rolls back and is shown on the form.
    Returns (done, what the action returned).
    """
    if not form.validate_on_submit():
        return False, None
    try:
        result = action()
    except (ValidationFailed, Conflict) as exc:
        db.session.rollback()
        show_errors(form, exc, aliases)
        return False, None
    db.session.commit()
    return True, result


def perform(action: Callable[[], T]) -> tuple[bool, T | None]:
    """A POST-only button (revoke, remove): `submit` with an `ActionForm`; a refusal
    (validation error or conflict) is flashed, as the view redirects."""
    form = ActionForm()
    done, result = submit(form, action)
    for message in form.form_errors:
        flash(message, "error")
    return done, result


def status_of(form: FlaskForm) -> int:
    """422 for a form shown again with errors, else 200."""
    return 422 if form.errors else 200


def show_errors(form: FlaskForm, exc: DomainError, aliases: dict[str, str] | None = None) -> None:
    """Put a service error's field messages next to the matching form fields.

    Messages for fields the form does not have (or an error without fields) go to
    `form.form_errors`, shown above the form.
    """
    aliases = aliases or {}
    if not exc.fields:
        form.form_errors.append(exc.message)
    for name, messages in exc.fields.items():
        field = form._fields.get(aliases.get(name, name))
        if field is None:
            form.form_errors.extend(messages)
        else:
            field.errors = [*field.errors, *messages]


def _finite(_form: FlaskForm, field: Field) -> None:
    if field.data is not None and not field.data.is_finite():
        raise StopValidation("Enter a number.")


def coordinate_field(label: str, limit: int) -> DecimalField:
    """A latitude (limit 90) or longitude (limit 180) input."""
    return DecimalField(
        label,
        places=6,
        validators=[InputRequired("Enter a number."), _finite,
                    NumberRange(-limit, limit, f"Must be between -{limit} and {limit}.")],
        render_kw={"inputmode": "decimal", "placeholder": "0.000000"},
    )


def coordinate(value: Decimal) -> Decimal:
    """Six decimals, as the database keeps them."""
    return value.quantize(Decimal("0.000001"))
