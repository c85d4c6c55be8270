"""one outbox: mail, reminders and generated reports share the outbox columns

Every outbox row has status, attempts, claim_token, claimed_at, last_error, sent_at and due_at
(coordination/outbox.py). Mail gains a claim token; the reminders' claim column is renamed; a
report's state, error and started_at become status, last_error and claimed_at, its states the
outbox's (queued → pending, running → sending, done → sent), with attempts, a claim token, due_at
and sent_at added.

Revision ID: 0014_one_outbox
Revises: 0013_costly_inputs
Create Date: 2026-12-02 00:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014_one_outbox'
down_revision = '0013_costly_inputs'
branch_labels = None
depends_on = None

OLD_PENDING = sa.text("state IN ('queued', 'running')")
NEW_PENDING = sa.text("status IN ('pending', 'sending')")
STATES = (('queued', 'pending'), ('running', 'sending'), ('done', 'sent'))


def _pending_index(where):
    op.create_index(
        'uq_generated_reports_pending',
        'generated_reports',
        ['requested_by_id', 'mechanism_id', 'scope'],
        unique=True,
        sqlite_where=where,
        postgresql_where=where,
    )


def upgrade():
    with op.batch_alter_table('outgoing_mail') as batch_op:
        batch_op.add_column(sa.Column('claim_token', sa.String(length=32), nullable=True))
    with op.batch_alter_table('reminders') as batch_op:
        batch_op.alter_column('claim', new_column_name='claim_token', existing_type=sa.String(length=32))

    op.drop_index('uq_generated_reports_pending', table_name='generated_reports')
    with op.batch_alter_table('generated_reports') as batch_op:
        batch_op.alter_column('state', new_column_name='status', existing_type=sa.String(length=20))
        batch_op.alter_column('error', new_column_name='last_error', existing_type=sa.Text())
        batch_op.alter_column('started_at', new_column_name='claimed_at', existing_type=sa.DateTime())
        batch_op.add_column(sa.Column('attempts', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('claim_token', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('sent_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('due_at', sa.DateTime(), nullable=True))
    for old, new in STATES:
        op.execute(f"UPDATE generated_reports SET status = '{new}' WHERE status = '{old}'")
    op.execute("UPDATE generated_reports SET due_at = requested_at")
    op.execute("UPDATE generated_reports SET attempts = 1 WHERE claimed_at IS NOT NULL")
    op.execute("UPDATE generated_reports SET sent_at = finished_at WHERE status = 'sent'")
    with op.batch_alter_table('generated_reports') as batch_op:
        batch_op.alter_column('due_at', existing_type=sa.DateTime(), nullable=False)
    _pending_index(NEW_PENDING)


def downgrade():
    op.drop_index('uq_generated_reports_pending', table_name='generated_reports')
    for old, new in STATES:
        op.execute(f"UPDATE generated_reports SET status = '{old}' WHERE status = '{new}'")
    with op.batch_alter_table('generated_reports') as batch_op:
        batch_op.drop_column('due_at')
        batch_op.drop_column('sent_at')
        batch_op.drop_column('claim_token')
        batch_op.drop_column('attempts')
        batch_op.alter_column('claimed_at', new_column_name='started_at', existing_type=sa.DateTime())
        batch_op.alter_column('last_error', new_column_name='error', existing_type=sa.Text())
        batch_op.alter_column('status', new_column_name='state', existing_type=sa.String(length=20))
    _pending_index(OLD_PENDING)

    with op.batch_alter_table('reminders') as batch_op:
        batch_op.alter_column('claim_token', new_column_name='claim', existing_type=sa.String(length=32))
    with op.batch_alter_table('outgoing_mail') as batch_op:
        batch_op.drop_column('claim_token')
