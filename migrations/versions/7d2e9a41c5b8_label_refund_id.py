"""label refunds: the carrier's refund id, to ask again about a refund it queued

Revision ID: 7d2e9a41c5b8
Revises: fc6db096d697
Create Date: 2026-12-05 19:55:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7d2e9a41c5b8'
down_revision = 'fc6db096d697'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('shipments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('label_refund_id', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('shipments', schema=None) as batch_op:
        batch_op.drop_column('label_refund_id')
