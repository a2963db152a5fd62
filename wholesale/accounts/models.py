"""Organizations (suppliers and buyers), users, API tokens and invitations."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ColumnElement, Enum, ForeignKey, String, or_
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wholesale.db import Base, TimestampMixin
from wholesale.tenancy import TenantScoped


class OrgKind(enum.StrEnum):
    SUPPLIER = "supplier"
    BUYER = "buyer"


class Role(enum.StrEnum):
    OWNER = "owner"
    STAFF = "staff"
    DRIVER = "driver"  # supplier staff who see only their own delivery routes


class InvitationKind(enum.StrEnum):
    BUYER = "buyer"  # a supplier invites a new customer organization
    STAFF = "staff"  # an owner invites a colleague into their own organization


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    return Enum(
        cls, name=name, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e]
    )


class Organization(TenantScoped, TimestampMixin, Base):
    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[OrgKind] = mapped_column(_enum(OrgKind, "org_kind"))
    name: Mapped[str] = mapped_column(String(200))

    users: Mapped[list[User]] = relationship(back_populates="organization", order_by="User.id")

    @property
    def is_supplier(self) -> bool:
        return self.kind is OrgKind.SUPPLIER

    @classmethod
    def __tenant_criteria__(cls, org_id: int) -> ColumnElement[bool]:
        from wholesale.trading.models import partner_ids

        return or_(cls.id == org_id, cls.id.in_(partner_ids(org_id)))


class User(UserMixin, TenantScoped, TimestampMixin, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    # Stored lower-cased, so the unique constraint is case-insensitive.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(32))
    role: Mapped[Role] = mapped_column(_enum(Role, "user_role"))
    password_hash: Mapped[str] = mapped_column(String(256))
    deactivated_at: Mapped[datetime | None]

    organization: Mapped[Organization] = relationship(back_populates="users")

    # Not columns: the portal session this object was signed in or loaded with (see
    # `services.start_session` and `load_session_user`).
    portal_session = None  # the UserSession row
    portal_session_key = None  # its secret, which Flask-Login's id carries

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.deactivated_at is None

    def get_id(self) -> str:  # Flask-Login: the session, not just the user
        # Without a started session the id names none, and never loads.
        return f"{self.id}:{self.portal_session_key or ''}"

    @property
    def is_owner(self) -> bool:
        return self.role is Role.OWNER

    @classmethod
    def __tenant_criteria__(cls, org_id: int) -> ColumnElement[bool]:
        from wholesale.trading.models import partner_ids

        # Colleagues, and the people of trading partners (authors in order threads).
        return or_(cls.organization_id == org_id, cls.organization_id.in_(partner_ids(org_id)))


class ApiToken(TenantScoped, TimestampMixin, Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    # SHA-256 of the token: the token itself is shown once and never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    display_prefix: Mapped[str] = mapped_column(String(16))
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()

    @classmethod
    def __tenant_criteria__(cls, org_id: int) -> ColumnElement[bool]:
        return cls.organization_id == org_id


class UserSession(TenantScoped, TimestampMixin, Base):
    """One signed-in portal session (a browser). Signing out deletes its row, which ends
    that session's cookie, and the sockets it opened, wherever a copy of it is."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # SHA-256 of the session key: the key itself is only in the (signed) session cookie.
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)

    @classmethod
    def __tenant_criteria__(cls, org_id: int) -> ColumnElement[bool]:
        return cls.organization_id == org_id


class Invitation(TenantScoped, TimestampMixin, Base):
    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    invited_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[InvitationKind] = mapped_column(_enum(InvitationKind, "invitation_kind"))
    email: Mapped[str] = mapped_column(String(254))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    organization: Mapped[Organization] = relationship()
    invited_by: Mapped[User] = relationship(foreign_keys=[invited_by_id])

    @classmethod
    def __tenant_criteria__(cls, org_id: int) -> ColumnElement[bool]:
        return cls.organization_id == org_id
