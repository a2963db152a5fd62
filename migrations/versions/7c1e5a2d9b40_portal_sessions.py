"""Portal sessions: one row per signed-in browser, instead of a per-user session nonce

Revision ID: 7c1e5a2d9b40
Revises: 8c483a206f1c
Create Date: 2026-12-02 10:00:00.000000

Everyone signed in is signed out once by this upgrade (old cookies name a nonce, not a
session row).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7c1e5a2d9b40'
down_revision = '8c483a206f1c'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('user_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_user_sessions_organization_id_organizations')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_sessions_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_sessions')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_user_sessions_key_hash'))
    )
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_sessions_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_user_sessions_user_id'), ['user_id'], unique=False)

    # A plain ALTER TABLE … DROP COLUMN (SQLite ≥ 3.35), not a batch copy of `users`, which
    # every other table references.
    op.drop_column('users', 'session_nonce')


def downgrade():
    op.add_column('users', sa.Column('session_nonce', sa.String(length=64), nullable=False,
                                     server_default=''))
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_sessions_user_id'))
        batch_op.drop_index(batch_op.f('ix_user_sessions_organization_id'))

    op.drop_table('user_sessions')
