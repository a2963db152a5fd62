"""Which channels a recipient wants for an event: the user's own choice, else the
organization's default, else Ordertalk's (messaging/notifications/catalog.py). Order contacts
get Ordertalk's defaults on the channels they gave, minus those they opted out of."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, select

from messaging.notifications.catalog import EVENTS, configurable_events
from messaging.notifications.models import (
    Channel,
    ContactOptOut,
    OrganizationDefault,
    UserPreference,
)
from wholesale.accounts.models import Organization, User
from wholesale.errors import ValidationFailed
from wholesale.extensions import db

CHANNELS: tuple[Channel, ...] = (Channel.EMAIL, Channel.SMS)
Matrix = dict[str, dict[str, bool]]  # event → channel → enabled


def system_default(event: str, channel: Channel) -> bool:
    spec = EVENTS.get(event)
    return bool(spec and channel in spec.defaults)


def org_matrix(org_id: int) -> Matrix:
    """The organization's defaults, filled in with Ordertalk's."""
    rows = db.session.scalars(
        select(OrganizationDefault).where(OrganizationDefault.organization_id == org_id)
    )
    own = {(r.event, r.channel): r.enabled for r in rows}
    return {
        e.key: {c.value: own.get((e.key, c.value), system_default(e.key, c)) for c in CHANNELS}
        for e in configurable_events()
    }


def user_matrix(user: User) -> Matrix:
    """What `user` gets: own choices over the organization's defaults."""
    matrix = org_matrix(user.organization_id)
    rows = db.session.scalars(select(UserPreference).where(UserPreference.user_id == user.id))
    for row in rows:
        if row.event in matrix and row.channel in matrix[row.event]:
            matrix[row.event][row.channel] = row.enabled
    return matrix


@dataclass(frozen=True)
class Choices:
    """Preferences of many users at once (one query each table), for fan-out."""

    users: dict[tuple[int, str, str], bool]
    orgs: dict[tuple[int, str, str], bool]
    contact_opt_outs: set[tuple[int, str]]

    def user_wants(self, user: User, event: str, channel: Channel) -> bool:
        key = (user.id, event, channel.value)
        if key in self.users:
            return self.users[key]
        org_key = (user.organization_id, event, channel.value)
        if org_key in self.orgs:
            return self.orgs[org_key]
        return system_default(event, channel)

    def contact_wants(self, contact_id: int, event: str, channel: Channel) -> bool:
        if (contact_id, channel.value) in self.contact_opt_outs:
            return False
        return system_default(event, channel)


def load_choices(user_ids: Iterable[int], org_ids: Iterable[int],
                 contact_ids: Iterable[int]) -> Choices:
    user_ids, org_ids, contact_ids = list(user_ids), list(org_ids), list(contact_ids)
    users = {}
    if user_ids:
        for row in db.session.scalars(
            select(UserPreference).where(UserPreference.user_id.in_(user_ids))
        ):
            users[(row.user_id, row.event, row.channel)] = row.enabled
    orgs = {}
    if org_ids:
        for row in db.session.scalars(
            select(OrganizationDefault).where(OrganizationDefault.organization_id.in_(org_ids))
        ):
            orgs[(row.organization_id, row.event, row.channel)] = row.enabled
    opt_outs: set[tuple[int, str]] = set()
    if contact_ids:
        for row in db.session.scalars(
            select(ContactOptOut).where(ContactOptOut.contact_id.in_(contact_ids))
        ):
            opt_outs.add((row.contact_id, row.channel))
    return Choices(users, orgs, opt_outs)


# -- changing them -------------------------------------------------------------------------


def _checked(form: dict[str, bool]) -> Matrix:
    """{"order_shipped.sms": True, ...} → a full matrix; unknown keys are a 422."""
    matrix: Matrix = {e.key: {c.value: False for c in CHANNELS} for e in configurable_events()}
    for key, enabled in form.items():
        event, _, channel = key.partition(".")
        if event not in matrix or channel not in matrix[event]:
            raise ValidationFailed.one(key, "Unknown event or channel.")
        matrix[event][channel] = bool(enabled)
    return matrix


def save_user_matrix(user: User, form: dict[str, bool]) -> Matrix:
    """Store the user's whole matrix (every box of the settings page)."""
    matrix = _checked(form)
    db.session.execute(delete(UserPreference).where(UserPreference.user_id == user.id))
    for event, channels in matrix.items():
        for channel, enabled in channels.items():
            db.session.add(UserPreference(user_id=user.id, event=event, channel=channel,
                                          enabled=enabled))
    db.session.flush()
    return matrix


def set_user_preference(user_id: int, event: str, channel: str, enabled: bool) -> None:
    row = db.session.scalars(
        select(UserPreference).where(UserPreference.user_id == user_id,
                                     UserPreference.event == event,
                                     UserPreference.channel == channel)
    ).first()
    if row is None:
        db.session.add(UserPreference(user_id=user_id, event=event, channel=channel,
                                      enabled=enabled))
    else:
        row.enabled = enabled
    db.session.flush()


def save_org_matrix(org: Organization, form: dict[str, bool]) -> Matrix:
    matrix = _checked(form)
    db.session.execute(
        delete(OrganizationDefault).where(OrganizationDefault.organization_id == org.id))
    for event, channels in matrix.items():
        for channel, enabled in channels.items():
            db.session.add(OrganizationDefault(organization_id=org.id, event=event,
                                               channel=channel, enabled=enabled))
    db.session.flush()
    return matrix


def opt_out_contact(contact_id: int, channel: str) -> None:
    exists = db.session.scalar(
        select(ContactOptOut.id).where(ContactOptOut.contact_id == contact_id,
                                       ContactOptOut.channel == channel))
    if exists is None:
        db.session.add(ContactOptOut(contact_id=contact_id, channel=channel))
        db.session.flush()
