"""chat: account threads (one per trading relationship, no order), created for every
relationship that exists

Revision ID: a3c5e8f1b2d4
Revises: 53f5b8b17ee4
Create Date: 2026-12-05 13:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'a3c5e8f1b2d4'
down_revision = '53f5b8b17ee4'
branch_labels = None
depends_on = None

ACCOUNT_ONLY = sa.text("kind = 'account'")


def upgrade():
    with op.batch_alter_table('chat_threads', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.Enum('order', 'account', name='chat_thread_kind',
                                                      native_enum=False, length=16),
                                      server_default='order', nullable=False))
        batch_op.alter_column('order_id', existing_type=sa.Integer(), nullable=True)
    op.create_index('uq_chat_threads_account', 'chat_threads', ['supplier_id', 'buyer_id'],
                    unique=True, postgresql_where=ACCOUNT_ONLY, sqlite_where=ACCOUNT_ONLY)
    with op.batch_alter_table('chat_messages', schema=None) as batch_op:
        batch_op.alter_column('order_id', existing_type=sa.Integer(), nullable=True)
    op.execute(
        "INSERT INTO chat_threads (kind, supplier_id, buyer_id, last_seq, last_public_seq, "
        "created_at) SELECT 'account', supplier_id, buyer_id, 0, 0, "
        "CURRENT_TIMESTAMP FROM trading_relationships")


def downgrade():
    op.execute("DELETE FROM chat_threads WHERE kind = 'account'")
    with op.batch_alter_table('chat_messages', schema=None) as batch_op:
        batch_op.alter_column('order_id', existing_type=sa.Integer(), nullable=False)
    op.drop_index('uq_chat_threads_account', table_name='chat_threads',
                  postgresql_where=ACCOUNT_ONLY, sqlite_where=ACCOUNT_ONLY)
    with op.batch_alter_table('chat_threads', schema=None) as batch_op:
        batch_op.alter_column('order_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('kind')
