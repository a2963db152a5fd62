"""sms reply contexts may point at an account thread (a buyer ordering by SMS)

Revision ID: 0e3fa5b35b21
Revises: b4ca9ae2136a
Create Date: 2026-12-05 13:26:56.228783

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0e3fa5b35b21'
down_revision = 'b4ca9ae2136a'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notification_sms_contexts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('thread_id', sa.Integer(), nullable=True))
        batch_op.alter_column('order_id', existing_type=sa.INTEGER(), nullable=True)
        batch_op.create_foreign_key(
            batch_op.f('fk_notification_sms_contexts_thread_id_chat_threads'), 'chat_threads',
            ['thread_id'], ['id'], ondelete='CASCADE')


def downgrade():
    op.execute("DELETE FROM notification_sms_contexts WHERE order_id IS NULL")
    with op.batch_alter_table('notification_sms_contexts', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('fk_notification_sms_contexts_thread_id_chat_threads'),
            type_='foreignkey')
        batch_op.alter_column('order_id', existing_type=sa.INTEGER(), nullable=False)
        batch_op.drop_column('thread_id')
