"""delivery runs

Revision ID: d46bfb1bcf07
Revises: c3d8f335d4dc
Create Date: 2026-12-05 13:36:58.968014

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd46bfb1bcf07'
down_revision = 'c3d8f335d4dc'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('delivery_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('supplier_id', sa.Integer(), nullable=False),
    sa.Column('warehouse_id', sa.Integer(), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('status', sa.Enum('planned', 'dispatched', 'completed', name='run_status', native_enum=False, length=16), nullable=False),
    sa.Column('dispatched_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('unassigned', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['supplier_id'], ['organizations.id'], name=op.f('fk_delivery_runs_supplier_id_organizations')),
    sa.ForeignKeyConstraint(['warehouse_id'], ['warehouses.id'], name=op.f('fk_delivery_runs_warehouse_id_warehouses')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delivery_runs'))
    )
    with op.batch_alter_table('delivery_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delivery_runs_date'), ['date'], unique=False)
        batch_op.create_index(batch_op.f('ix_delivery_runs_supplier_id'), ['supplier_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_delivery_runs_warehouse_id'), ['warehouse_id'], unique=False)

    op.create_table('receiving_windows',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=False),
    sa.Column('opens', sa.Time(), nullable=False),
    sa.Column('closes', sa.Time(), nullable=False),
    sa.CheckConstraint('closes > opens', name=op.f('ck_receiving_windows_window_order')),
    sa.CheckConstraint('weekday BETWEEN 1 AND 7', name=op.f('ck_receiving_windows_weekday_range')),
    sa.ForeignKeyConstraint(['location_id'], ['delivery_locations.id'], name=op.f('fk_receiving_windows_location_id_delivery_locations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_receiving_windows'))
    )
    with op.batch_alter_table('receiving_windows', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_receiving_windows_location_id'), ['location_id'], unique=False)

    op.create_table('vehicles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('supplier_id', sa.Integer(), nullable=False),
    sa.Column('warehouse_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('capacity_cases', sa.Integer(), nullable=False),
    sa.Column('capacity_kg', sa.Numeric(precision=10, scale=3), nullable=True),
    sa.Column('shift_start', sa.Time(), nullable=False),
    sa.Column('shift_end', sa.Time(), nullable=False),
    sa.Column('driver_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('capacity_cases > 0', name=op.f('ck_vehicles_capacity_positive')),
    sa.CheckConstraint('shift_end > shift_start', name=op.f('ck_vehicles_shift_order')),
    sa.ForeignKeyConstraint(['driver_id'], ['users.id'], name=op.f('fk_vehicles_driver_id_users')),
    sa.ForeignKeyConstraint(['supplier_id'], ['organizations.id'], name=op.f('fk_vehicles_supplier_id_organizations')),
    sa.ForeignKeyConstraint(['warehouse_id'], ['warehouses.id'], name=op.f('fk_vehicles_warehouse_id_warehouses')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vehicles'))
    )
    with op.batch_alter_table('vehicles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_vehicles_driver_id'), ['driver_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_vehicles_supplier_id'), ['supplier_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_vehicles_warehouse_id'), ['warehouse_id'], unique=False)

    op.create_table('delivery_routes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('supplier_id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('vehicle_id', sa.Integer(), nullable=False),
    sa.Column('driver_id', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('distance_m', sa.Integer(), nullable=False),
    sa.Column('duration_s', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['driver_id'], ['users.id'], name=op.f('fk_delivery_routes_driver_id_users')),
    sa.ForeignKeyConstraint(['run_id'], ['delivery_runs.id'], name=op.f('fk_delivery_routes_run_id_delivery_runs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['supplier_id'], ['organizations.id'], name=op.f('fk_delivery_routes_supplier_id_organizations')),
    sa.ForeignKeyConstraint(['vehicle_id'], ['vehicles.id'], name=op.f('fk_delivery_routes_vehicle_id_vehicles')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delivery_routes')),
    sa.UniqueConstraint('run_id', 'vehicle_id', name=op.f('uq_delivery_routes_run_id_vehicle_id'))
    )
    with op.batch_alter_table('delivery_routes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delivery_routes_driver_id'), ['driver_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_delivery_routes_run_id'), ['run_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_delivery_routes_supplier_id'), ['supplier_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_delivery_routes_vehicle_id'), ['vehicle_id'], unique=False)

    op.create_table('delivery_stops',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('supplier_id', sa.Integer(), nullable=False),
    sa.Column('route_id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('planned', 'arrived', 'delivered', 'problem', name='stop_status', native_enum=False, length=16), nullable=False),
    sa.Column('locked', sa.Boolean(), nullable=False),
    sa.Column('cases', sa.Integer(), nullable=False),
    sa.Column('weight_kg', sa.Numeric(precision=10, scale=3), nullable=False),
    sa.Column('eta', sa.DateTime(timezone=True), nullable=True),
    sa.Column('window_start', sa.DateTime(timezone=True), nullable=True),
    sa.Column('window_end', sa.DateTime(timezone=True), nullable=True),
    sa.Column('arrived_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('recipient', sa.String(length=200), nullable=True),
    sa.Column('signature_name', sa.String(length=200), nullable=True),
    sa.Column('photo_name', sa.String(length=200), nullable=True),
    sa.Column('problem_kind', sa.Enum('closed', 'refused', 'damaged', 'short', name='problem_kind', native_enum=False, length=16), nullable=True),
    sa.Column('problem_note', sa.Text(), nullable=False),
    sa.Column('notices', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_delivery_stops_order_id_orders')),
    sa.ForeignKeyConstraint(['route_id'], ['delivery_routes.id'], name=op.f('fk_delivery_stops_route_id_delivery_routes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['supplier_id'], ['organizations.id'], name=op.f('fk_delivery_stops_supplier_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delivery_stops'))
    )
    with op.batch_alter_table('delivery_stops', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delivery_stops_order_id'), ['order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_delivery_stops_route_id'), ['route_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_delivery_stops_supplier_id'), ['supplier_id'], unique=False)

    with op.batch_alter_table('delivery_locations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('service_minutes', sa.Integer(), server_default='10', nullable=False))
        batch_op.add_column(sa.Column('receiving_notes', sa.String(length=500), server_default='', nullable=False))



def downgrade():
    with op.batch_alter_table('delivery_locations', schema=None) as batch_op:
        batch_op.drop_column('receiving_notes')
        batch_op.drop_column('service_minutes')

    with op.batch_alter_table('delivery_stops', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_delivery_stops_supplier_id'))
        batch_op.drop_index(batch_op.f('ix_delivery_stops_route_id'))
        batch_op.drop_index(batch_op.f('ix_delivery_stops_order_id'))

    op.drop_table('delivery_stops')
    with op.batch_alter_table('delivery_routes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_delivery_routes_vehicle_id'))
        batch_op.drop_index(batch_op.f('ix_delivery_routes_supplier_id'))
        batch_op.drop_index(batch_op.f('ix_delivery_routes_run_id'))
        batch_op.drop_index(batch_op.f('ix_delivery_routes_driver_id'))

    op.drop_table('delivery_routes')
    with op.batch_alter_table('vehicles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_vehicles_warehouse_id'))
        batch_op.drop_index(batch_op.f('ix_vehicles_supplier_id'))
        batch_op.drop_index(batch_op.f('ix_vehicles_driver_id'))

    op.drop_table('vehicles')
    with op.batch_alter_table('receiving_windows', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_receiving_windows_location_id'))

    op.drop_table('receiving_windows')
    with op.batch_alter_table('delivery_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_delivery_runs_warehouse_id'))
        batch_op.drop_index(batch_op.f('ix_delivery_runs_supplier_id'))
        batch_op.drop_index(batch_op.f('ix_delivery_runs_date'))

    op.drop_table('delivery_runs')
