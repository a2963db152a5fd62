"""chat unread threads: per person, the threads that may hold something to read

Revision ID: fc6db096d697
Revises: ce49cb394613
Create Date: 2026-12-05 19:15:00.000000

The unread badge counted every message of the organization against the person's read
states on every page; it now looks only at the threads listed here. The rows for what is
unread today are worked out once, below, with the rule of messaging/chat/attention.py as it
stands at this revision.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'fc6db096d697'
down_revision = 'ce49cb394613'
branch_labels = None
depends_on = None

# attention.py at this revision: events (and draft changes) each side waits on
EVENTS = {
    "supplier": ("delivery_change_requested", "expedite", "credit_hold", "shipment_problem",
                 "delivery_problem", "contact_reply", "standing_failed"),
    "buyer": ("delivery_change_accepted", "delivery_change_declined", "delivery_problem",
              "intake_reply", "standing_failed"),
}
DRAFT_CHANGES = {
    "supplier": ("opened", "replaced", "amended", "answered"),
    "buyer": ("sent_back", "confirm_failed"),
}


def _quoted(values):
    return ", ".join(f"'{v}'" for v in values)


def _side(side, change):
    """SELECT (user, thread, seq) of the messages `side`'s people want and have not read."""
    org = f"m.{side}_id"
    notes = "OR m.kind = 'note'" if side == "supplier" else ""
    visible = "" if side == "supplier" else "AND m.kind <> 'note'"
    return f"""
        SELECT u.id AS user_id, m.thread_id, m.seq
        FROM chat_messages m
        JOIN users u ON u.organization_id = {org}
        LEFT JOIN chat_read_states r ON r.thread_id = m.thread_id AND r.user_id = u.id
        WHERE ((m.kind = 'text' AND m.author_org_id <> {org}) {notes}
               OR (m.kind = 'event' AND (m.event_type IN ({_quoted(EVENTS[side])})
                   OR (m.event_type = 'draft'
                       AND {change} IN ({_quoted(DRAFT_CHANGES[side])})))))
          {visible}
          AND m.seq > COALESCE(r.last_read_seq, 0)
          AND (m.author_id IS NULL OR m.author_id <> u.id)"""


def backfill(dialect):
    """The INSERT that marks what is unread today (tests/chat/test_unread_marks.py runs it)."""
    change = ("m.data->>'change'" if dialect == "postgresql"
              else "json_extract(m.data, '$.change')")
    return ("INSERT INTO chat_unread_threads (user_id, thread_id, seq) "
            "SELECT user_id, thread_id, max(seq) FROM ("
            + _side("supplier", change) + " UNION ALL " + _side("buyer", change)
            + ") AS unread GROUP BY user_id, thread_id")


def upgrade():
    op.create_table('chat_unread_threads',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('thread_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['thread_id'], ['chat_threads.id'], name=op.f('fk_chat_unread_threads_thread_id_chat_threads'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_chat_unread_threads_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'thread_id', name=op.f('pk_chat_unread_threads'))
    )
    with op.batch_alter_table('chat_unread_threads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_chat_unread_threads_thread_id'), ['thread_id'], unique=False)

    op.execute(backfill(op.get_bind().dialect.name))


def downgrade():
    with op.batch_alter_table('chat_unread_threads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_chat_unread_threads_thread_id'))

    op.drop_table('chat_unread_threads')
