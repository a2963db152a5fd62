"""The portal form for a delivery location's receiving windows: per weekday up to a few
windows (opens–closes), a service time and notes for the driver. Every error names the
field by its label ("Monday closes"), so the summary above the form reads on its own."""

from __future__ import annotations

from datetime import time
from typing import Any

from flask_wtf import FlaskForm
from wtforms import Field, IntegerField, TextAreaField, TimeField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
ORDINALS = ("", "2nd", "3rd", "4th", "5th", "6th", "7th", "8th")
SLOTS = 2  # windows shown per weekday (more when a location already has more)


def _name(weekday: int, slot: int, end: str) -> str:
    return f"d{weekday}_{slot}_{end}"


class ReceivingFormBase(FlaskForm):
    service_minutes = IntegerField(
        "Service time (minutes)",
        validators=[InputRequired("Enter the minutes a drop takes there."),
                    NumberRange(0, 240, "Must be between 0 and 240 minutes.")],
        render_kw={"inputmode": "numeric", "min": 0, "max": 240})
    receiving_notes = TextAreaField("Notes for the driver", validators=[Length(max=500)],
                                    render_kw={"rows": 3, "maxlength": 500})
    slots: int = SLOTS

    def day(self, weekday: int) -> list[tuple[Field, Field]]:
        """The (opens, closes) fields of one weekday (1 = Monday), in slot order."""
        return [(self[_name(weekday, slot, "opens")], self[_name(weekday, slot, "closes")])
                for slot in range(1, self.slots + 1)]

    def windows(self) -> list[tuple[int, time, time]]:
        return [(weekday, opens.data, closes.data) for weekday in range(1, 8)
                for opens, closes in self.day(weekday) if opens.data and closes.data]

    def fill(self, receiving: dict[str, Any]) -> None:
        """Show a location's saved windows, service time and notes."""
        self.service_minutes.data = receiving["service_minutes"]
        self.receiving_notes.data = receiving["receiving_notes"]
        for weekday in range(1, 8):
            saved = [w for w in receiving["windows"] if w["weekday"] == weekday]
            for (opens, closes), window in zip(self.day(weekday), saved, strict=False):
                opens.data, closes.data = window["opens"], window["closes"]

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        for weekday in range(1, 8):
            earlier: list[tuple[Field, Field]] = []
            for opens, closes in self.day(weekday):
                if opens.errors or closes.errors:
                    ok = False
                    continue
                if bool(opens.data) != bool(closes.data):
                    empty, other = (closes, opens) if opens.data else (opens, closes)
                    empty.errors = [f"Enter {empty.label.text} too, or clear "
                                    f"{other.label.text}."]
                    ok = False
                elif opens.data and closes.data <= opens.data:
                    closes.errors = [f"Must be later than {opens.label.text}."]
                    ok = False
                elif opens.data:
                    for start, end in earlier:
                        if start.data < closes.data and opens.data < end.data:
                            opens.errors = [f"Overlaps the {start.data:%H:%M}–"
                                            f"{end.data:%H:%M} window."]
                            ok = False
                    earlier.append((opens, closes))
        return ok

    def labelled_errors(self) -> list[tuple[str, str, str]]:
        """(field id, label, message) of every error, in the form's order."""
        return [(field.id, field.label.text, message) for field in self
                for message in field.errors if field.type != "CSRFTokenField"]


def receiving_form(slots: int = SLOTS) -> ReceivingFormBase:
    """The form with `slots` windows per weekday (labels such as "Monday 2nd opens")."""
    fields: dict[str, Any] = {"slots": slots}
    for weekday, day_name in enumerate(WEEKDAYS, start=1):
        for slot in range(1, slots + 1):
            which = f"{day_name} {ORDINALS[slot - 1]}".strip()
            for end in ("opens", "closes"):
                fields[_name(weekday, slot, end)] = TimeField(
                    f"{which} {end}", validators=[Optional()], format="%H:%M",
                    render_kw={"step": 60})
    form_class = type("ReceivingForm", (ReceivingFormBase,), fields)
    return form_class()
