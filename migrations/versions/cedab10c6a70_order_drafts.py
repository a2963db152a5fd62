"""order drafts: what a buyer's message became before it is placed

Revision ID: cedab10c6a70
Revises: a3c5e8f1b2d4
Create Date: 2026-12-05 13:16:30.414718

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'cedab10c6a70'
down_revision = 'a3c5e8f1b2d4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('order_drafts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('supplier_id', sa.Integer(), nullable=False),
    sa.Column('buyer_id', sa.Integer(), nullable=False),
    sa.Column('thread_id', sa.Integer(), nullable=True),
    sa.Column('message_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.Enum('chat', 'sms', 'email', 'api', name='draft_source', native_enum=False, length=16), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('lines', sa.JSON(), nullable=False),
    sa.Column('unmatched', sa.JSON(), nullable=False),
    sa.Column('questions', sa.JSON(), nullable=False),
    sa.Column('requested_delivery_date', sa.Date(), nullable=True),
    sa.Column('date_note', sa.String(length=300), nullable=True),
    sa.Column('delivery_location_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('open', 'confirmed', 'discarded', 'expired', name='draft_status', native_enum=False, length=16), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.Column('awaiting_buyer', sa.Boolean(), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['buyer_id'], ['organizations.id'], name=op.f('fk_order_drafts_buyer_id_organizations')),
    sa.ForeignKeyConstraint(['closed_by_id'], ['users.id'], name=op.f('fk_order_drafts_closed_by_id_users')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_order_drafts_created_by_id_users')),
    sa.ForeignKeyConstraint(['delivery_location_id'], ['delivery_locations.id'], name=op.f('fk_order_drafts_delivery_location_id_delivery_locations')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_order_drafts_order_id_orders')),
    sa.ForeignKeyConstraint(['supplier_id'], ['organizations.id'], name=op.f('fk_order_drafts_supplier_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_drafts'))
    )
    with op.batch_alter_table('order_drafts', schema=None) as batch_op:
        batch_op.create_index('ix_order_drafts_buyer_open', ['buyer_id', 'supplier_id', 'status'], unique=False)
        batch_op.create_index('ix_order_drafts_supplier_status', ['supplier_id', 'status'], unique=False)



def downgrade():
    with op.batch_alter_table('order_drafts', schema=None) as batch_op:
        batch_op.drop_index('ix_order_drafts_supplier_status')
        batch_op.drop_index('ix_order_drafts_buyer_open')

    op.drop_table('order_drafts')
