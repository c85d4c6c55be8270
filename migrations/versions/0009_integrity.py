"""integrity: a version on annual plans, one pending extension per task, one-time form keys

Revision ID: 0009_integrity
Revises: 0011_user_sessions
Create Date: 2026-12-02 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009_integrity'
down_revision = '0011_user_sessions'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('annual_plans', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))

    # Two requests at once must not leave two pending requests on one task. Should a database
    # already hold such pairs, all but the newest are withdrawn first so the index can be built.
    op.execute(
        "UPDATE extension_requests SET state = 'withdrawn' WHERE state = 'pending' AND id NOT IN "
        "(SELECT max(id) FROM extension_requests WHERE state = 'pending' GROUP BY assignment_id)"
    )
    with op.batch_alter_table('extension_requests', schema=None) as batch_op:
        batch_op.create_index(
            'uq_extension_requests_one_pending',
            ['assignment_id'],
            unique=True,
            sqlite_where=sa.text("state = 'pending'"),
            postgresql_where=sa.text("state = 'pending'"),
        )

    op.create_table('form_submissions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('object_type', sa.String(length=40), nullable=False),
    sa.Column('object_id', sa.Integer(), nullable=True),
    sa.Column('location', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_form_submissions_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_form_submissions')),
    sa.UniqueConstraint('key', name=op.f('uq_form_submissions_key'))
    )


def downgrade():
    op.drop_table('form_submissions')
    with op.batch_alter_table('extension_requests', schema=None) as batch_op:
        batch_op.drop_index('uq_extension_requests_one_pending')
    with op.batch_alter_table('annual_plans', schema=None) as batch_op:
        batch_op.drop_column('version')
