"""Vehicles, receiving windows, and the runs planned from them: a run is one warehouse's
plan for one date, a route one vehicle's part of it, a stop one order's drop on a route."""

from __future__ import annotations

import enum
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ColumnElement,
    Date,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wholesale.accounts.models import User, _enum
from wholesale.db import Base, TimestampMixin
from wholesale.orders.models import Order
from wholesale.sites.models import DeliveryLocation, Warehouse
from wholesale.tenancy import TenantScoped

Kilograms = Numeric(10, 3)


class Vehicle(TenantScoped, TimestampMixin, Base):
    __tablename__ = "vehicles"
    __table_args__ = (
        CheckConstraint("capacity_cases > 0", name="capacity_positive"),
        CheckConstraint("shift_end > shift_start", name="shift_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    capacity_cases: Mapped[int] = mapped_column(Integer)
    capacity_kg: Mapped[Decimal | None] = mapped_column(Kilograms)
    shift_start: Mapped[time] = mapped_column(Time)
    shift_end: Mapped[time] = mapped_column(Time)
    driver_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)

    warehouse: Mapped[Warehouse] = relationship()
    driver: Mapped[User | None] = relationship()

    @classmethod
    def __tenant_criteria__(cls, org_id: int) -> ColumnElement[bool]:
        return cls.supplier_id == org_id


class ReceivingWindow(TenantScoped, Base):
    """When a delivery location takes deliveries on one weekday (1 = Monday … 7 = Sunday),
    in the supplier's local time. A location with no window on a weekday is closed then;
    a location with no windows at all takes deliveries during any shift."""

    __tablename__ = "receiving_windows"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 1 AND 7", name="weekday_range"),
        CheckConstraint("closes > opens", name="window_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    location_id: Mapped[int] = mapped_column(
        ForeignKey("delivery_locations.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int] = mapped_column(Integer)
    opens: Mapped[time] = mapped_column(Time)
    closes: Mapped[time] = mapped_column(Time)

    location: Mapped[DeliveryLocation] = relationship()

    @classmethod
    def __tenant_criteria__(cls, org_id: int) -> ColumnElement[bool]:
        from sqlalchemy import select

        return cls.location_id.in_(select(DeliveryLocation.id).where(
            DeliveryLocation.__tenant_criteria__(org_id)))


class RunStatus(enum.StrEnum):
    PLANNED = "planned"
    DISPATCHED = "dispatched"
    COMPLETED = "completed"


class StopStatus(enum.StrEnum):
    PLANNED = "planned"
    ARRIVED = "arrived"
    DELIVERED = "delivered"
    PROBLEM = "problem"


class ProblemKind(enum.StrEnum):
    CLOSED = "closed"
    REFUSED = "refused"
    DAMAGED = "damaged"
    SHORT = "short"


class Run(TenantScoped, TimestampMixin, Base):
    __tablename__ = "delivery_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"), index=True)
    date: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[RunStatus] = mapped_column(_enum(RunStatus, "run_status"),
                                              default=RunStatus.PLANNED)
    dispatched_at: Mapped[datetime | None]
    # [{"order_id", "reason", "message"}]: what the last planning could not place.
    unassigned: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)

    warehouse: Mapped[Warehouse] = relationship()
    routes: Mapped[list[Route]] = relationship(
        back_populates="run", order_by="Route.position", cascade="all, delete-orphan")

    @classmethod
    def __tenant_criteria__(cls, org_id: int) -> ColumnElement[bool]:
        return cls.supplier_id == org_id


class Route(TenantScoped, Base):
    __tablename__ = "delivery_routes"
    __table_args__ = (UniqueConstraint("run_id", "vehicle_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("delivery_runs.id", ondelete="CASCADE"),
                                        index=True)
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicles.id"), index=True)
    driver_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    distance_m: Mapped[int] = mapped_column(Integer, default=0)
    duration_s: Mapped[int] = mapped_column(Integer, default=0)
    # When the vehicle leaves the warehouse and is back (UTC).
    starts_at: Mapped[datetime | None]
    ends_at: Mapped[datetime | None]

    run: Mapped[Run] = relationship(back_populates="routes")
    vehicle: Mapped[Vehicle] = relationship()
    driver: Mapped[User | None] = relationship()
    stops: Mapped[list[Stop]] = relationship(
        back_populates="route", order_by="Stop.sequence", cascade="all, delete-orphan")

    @classmethod
    def __tenant_criteria__(cls, org_id: int) -> ColumnElement[bool]:
        return cls.supplier_id == org_id


class Stop(TenantScoped, Base):
    __tablename__ = "delivery_stops"

    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    route_id: Mapped[int] = mapped_column(ForeignKey("delivery_routes.id", ondelete="CASCADE"),
                                          index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    sequence: Mapped[int] = mapped_column(Integer)
    status: Mapped[StopStatus] = mapped_column(_enum(StopStatus, "stop_status"),
                                               default=StopStatus.PLANNED)
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    cases: Mapped[int] = mapped_column(Integer, default=0)
    weight_kg: Mapped[Decimal] = mapped_column(Kilograms, default=Decimal("0"))
    eta: Mapped[datetime | None]
    window_start: Mapped[datetime | None]
    window_end: Mapped[datetime | None]
    arrived_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    recipient: Mapped[str | None] = mapped_column(String(200))
    signature_name: Mapped[str | None] = mapped_column(String(200))  # a file under uploads/pod
    photo_name: Mapped[str | None] = mapped_column(String(200))
    problem_kind: Mapped[ProblemKind | None] = mapped_column(_enum(ProblemKind, "problem_kind"))
    problem_note: Mapped[str] = mapped_column(Text, default="")
    # Buyer notices already sent for this stop ("window", "near", "late"): each goes once.
    notices: Mapped[list[str]] = mapped_column(JSON, default=list)

    route: Mapped[Route] = relationship(back_populates="stops")
    order: Mapped[Order] = relationship()

    @property
    def missed_window(self) -> bool:
        return bool(self.eta and self.window_end and self.eta > self.window_end)

    @classmethod
    def __tenant_criteria__(cls, org_id: int) -> ColumnElement[bool]:
        return cls.supplier_id == org_id
