"""standing orders: recurring orders, their occurrences, the supplier's standing-order settings

Revision ID: 068e670aac11
Revises: d46bfb1bcf07
Create Date: 2026-12-05 13:40:11.982645

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '068e670aac11'
down_revision = 'd46bfb1bcf07'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('standing_order_settings',
    sa.Column('supplier_id', sa.Integer(), nullable=False),
    sa.Column('reminder_hours', sa.Integer(), nullable=False),
    sa.Column('closed_day', sa.Enum('move', 'skip', name='closed_day', native_enum=False, length=16), nullable=False),
    sa.Column('closed_dates', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['supplier_id'], ['organizations.id'], name=op.f('fk_standing_order_settings_supplier_id_organizations')),
    sa.PrimaryKeyConstraint('supplier_id', name=op.f('pk_standing_order_settings'))
    )
    op.create_table('standing_orders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('supplier_id', sa.Integer(), nullable=False),
    sa.Column('buyer_id', sa.Integer(), nullable=False),
    sa.Column('delivery_location_id', sa.Integer(), nullable=False),
    sa.Column('lines', sa.JSON(), nullable=False),
    sa.Column('weekdays', sa.String(length=20), nullable=False),
    sa.Column('every_weeks', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('paused', sa.Boolean(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['buyer_id'], ['organizations.id'], name=op.f('fk_standing_orders_buyer_id_organizations')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_standing_orders_created_by_id_users')),
    sa.ForeignKeyConstraint(['delivery_location_id'], ['delivery_locations.id'], name=op.f('fk_standing_orders_delivery_location_id_delivery_locations')),
    sa.ForeignKeyConstraint(['supplier_id'], ['organizations.id'], name=op.f('fk_standing_orders_supplier_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_standing_orders'))
    )
    with op.batch_alter_table('standing_orders', schema=None) as batch_op:
        batch_op.create_index('ix_standing_orders_supplier_buyer', ['supplier_id', 'buyer_id'], unique=False)

    op.create_table('standing_occurrences',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('standing_order_id', sa.Integer(), nullable=False),
    sa.Column('supplier_id', sa.Integer(), nullable=False),
    sa.Column('buyer_id', sa.Integer(), nullable=False),
    sa.Column('scheduled_on', sa.Date(), nullable=False),
    sa.Column('delivery_on', sa.Date(), nullable=False),
    sa.Column('status', sa.Enum('upcoming', 'skipped', 'placed', 'failed', name='occurrence_status', native_enum=False, length=16), nullable=False),
    sa.Column('lines', sa.JSON(), nullable=True),
    sa.Column('order_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('reminded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['buyer_id'], ['organizations.id'], name=op.f('fk_standing_occurrences_buyer_id_organizations')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_standing_occurrences_order_id_orders')),
    sa.ForeignKeyConstraint(['standing_order_id'], ['standing_orders.id'], name=op.f('fk_standing_occurrences_standing_order_id_standing_orders')),
    sa.ForeignKeyConstraint(['supplier_id'], ['organizations.id'], name=op.f('fk_standing_occurrences_supplier_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_standing_occurrences')),
    sa.UniqueConstraint('standing_order_id', 'scheduled_on', name=op.f('uq_standing_occurrences_standing_order_id_scheduled_on'))
    )
    with op.batch_alter_table('standing_occurrences', schema=None) as batch_op:
        batch_op.create_index('ix_standing_occurrences_supplier_delivery', ['supplier_id', 'delivery_on'], unique=False)



def downgrade():
    with op.batch_alter_table('standing_occurrences', schema=None) as batch_op:
        batch_op.drop_index('ix_standing_occurrences_supplier_delivery')

    op.drop_table('standing_occurrences')
    with op.batch_alter_table('standing_orders', schema=None) as batch_op:
        batch_op.drop_index('ix_standing_orders_supplier_buyer')

    op.drop_table('standing_orders')
    op.drop_table('standing_order_settings')
