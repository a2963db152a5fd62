"""chat: threads (one per order), messages, attachments, read state

Revision ID: c9e07271c722
Revises: e7b3c91a5d20
Create Date: 2026-11-29 17:16:39.164523

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c9e07271c722'
down_revision = 'e7b3c91a5d20'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('chat_threads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('supplier_id', sa.Integer(), nullable=False),
    sa.Column('buyer_id', sa.Integer(), nullable=False),
    sa.Column('last_seq', sa.Integer(), nullable=False),
    sa.Column('last_message_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_public_seq', sa.Integer(), nullable=False),
    sa.Column('last_public_message_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['buyer_id'], ['organizations.id'], name=op.f('fk_chat_threads_buyer_id_organizations')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_chat_threads_order_id_orders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['supplier_id'], ['organizations.id'], name=op.f('fk_chat_threads_supplier_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chat_threads')),
    sa.UniqueConstraint('order_id', name=op.f('uq_chat_threads_order_id'))
    )
    with op.batch_alter_table('chat_threads', schema=None) as batch_op:
        batch_op.create_index('ix_chat_threads_buyer_activity', ['buyer_id', 'last_public_message_at'], unique=False)
        batch_op.create_index('ix_chat_threads_supplier_activity', ['supplier_id', 'last_message_at'], unique=False)

    op.create_table('chat_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('thread_id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('supplier_id', sa.Integer(), nullable=False),
    sa.Column('buyer_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('text', 'event', 'note', name='chat_message_kind', native_enum=False, length=16), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('author_org_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=True),
    sa.Column('event_type', sa.String(length=40), nullable=True),
    sa.Column('data', sa.JSON(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_chat_messages_author_id_users')),
    sa.ForeignKeyConstraint(['thread_id'], ['chat_threads.id'], name=op.f('fk_chat_messages_thread_id_chat_threads'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chat_messages')),
    sa.UniqueConstraint('thread_id', 'author_id', 'client_id', name=op.f('uq_chat_messages_thread_id_author_id_client_id')),
    sa.UniqueConstraint('thread_id', 'seq', name=op.f('uq_chat_messages_thread_id_seq'))
    )
    with op.batch_alter_table('chat_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_chat_messages_author_id'), ['author_id'], unique=False)
        batch_op.create_index('ix_chat_messages_thread_id_id', ['thread_id', 'id'], unique=False)
        batch_op.create_index('ix_chat_messages_supplier_order', ['supplier_id', 'order_id'], unique=False)
        batch_op.create_index('ix_chat_messages_buyer_order', ['buyer_id', 'order_id'], unique=False)

    op.create_table('chat_read_states',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('thread_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('supplier_id', sa.Integer(), nullable=False),
    sa.Column('buyer_id', sa.Integer(), nullable=False),
    sa.Column('last_read_message_id', sa.Integer(), nullable=False),
    sa.Column('last_read_seq', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['thread_id'], ['chat_threads.id'], name=op.f('fk_chat_read_states_thread_id_chat_threads'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_chat_read_states_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chat_read_states')),
    sa.UniqueConstraint('thread_id', 'user_id', name=op.f('uq_chat_read_states_thread_id_user_id'))
    )
    with op.batch_alter_table('chat_read_states', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_chat_read_states_user_id'), ['user_id'], unique=False)

    op.create_table('chat_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('supplier_id', sa.Integer(), nullable=False),
    sa.Column('buyer_id', sa.Integer(), nullable=False),
    sa.Column('internal', sa.Boolean(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('storage_key', sa.String(length=128), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['chat_messages.id'], name=op.f('fk_chat_attachments_message_id_chat_messages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chat_attachments')),
    sa.UniqueConstraint('storage_key', name=op.f('uq_chat_attachments_storage_key'))
    )
    with op.batch_alter_table('chat_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_chat_attachments_message_id'), ['message_id'], unique=False)



def downgrade():
    with op.batch_alter_table('chat_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_chat_attachments_message_id'))

    op.drop_table('chat_attachments')
    with op.batch_alter_table('chat_read_states', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_chat_read_states_user_id'))

    op.drop_table('chat_read_states')
    with op.batch_alter_table('chat_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_chat_messages_buyer_order')
        batch_op.drop_index('ix_chat_messages_supplier_order')
        batch_op.drop_index('ix_chat_messages_thread_id_id')
        batch_op.drop_index(batch_op.f('ix_chat_messages_author_id'))

    op.drop_table('chat_messages')
    with op.batch_alter_table('chat_threads', schema=None) as batch_op:
        batch_op.drop_index('ix_chat_threads_supplier_activity')
        batch_op.drop_index('ix_chat_threads_buyer_activity')

    op.drop_table('chat_threads')
