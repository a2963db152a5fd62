"""orders: the number is taken last in the placing transaction (nullable until then), and
an index for a buyer's orders by placement date

Revision ID: e7b3c91a5d20
Revises: c4a1e7d2b9f3
Create Date: 2026-11-30 12:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'e7b3c91a5d20'
down_revision = 'c4a1e7d2b9f3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.alter_column('number', existing_type=sa.Integer(), nullable=True)
        batch_op.create_index('ix_orders_buyer_created', ['buyer_id', 'created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_index('ix_orders_buyer_created')
        batch_op.alter_column('number', existing_type=sa.Integer(), nullable=False)
