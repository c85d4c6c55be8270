"""costly inputs: one pending report per user and scope; plan imports read in the background

Revision ID: 0013_costly_inputs
Revises: 0009_integrity
Create Date: 2026-11-27 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013_costly_inputs'
down_revision = '0009_integrity'
branch_labels = None
depends_on = None

PENDING = sa.text("state IN ('queued', 'running')")


def upgrade():
    # Reports queued twice before this index existed: keep the newest pending one per user and
    # scope waiting, mark the others failed, so the unique index can be built.
    op.execute(
        "UPDATE generated_reports SET state = 'failed', error = 'superseded' "
        "WHERE state IN ('queued', 'running') AND id NOT IN ("
        "SELECT MAX(id) FROM generated_reports WHERE state IN ('queued', 'running') "
        "GROUP BY requested_by_id, mechanism_id, scope)"
    )
    op.create_index(
        'uq_generated_reports_pending',
        'generated_reports',
        ['requested_by_id', 'mechanism_id', 'scope'],
        unique=True,
        sqlite_where=PENDING,
        postgresql_where=PENDING,
    )
    op.create_table('plan_imports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('progress', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=True),
    sa.Column('items', sa.Integer(), nullable=False),
    sa.Column('problems', sa.JSON(), nullable=True),
    sa.Column('requested_at', sa.DateTime(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=True),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['plan_id'], ['annual_plans.id'], name=op.f('fk_plan_imports_plan_id_annual_plans')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_plan_imports_requested_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_imports'))
    )
    with op.batch_alter_table('plan_imports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_imports_plan_id'), ['plan_id'], unique=False)
    op.create_index(
        'uq_plan_imports_pending',
        'plan_imports',
        ['plan_id'],
        unique=True,
        sqlite_where=PENDING,
        postgresql_where=PENDING,
    )


def downgrade():
    op.drop_index('uq_plan_imports_pending', table_name='plan_imports')
    with op.batch_alter_table('plan_imports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_imports_plan_id'))
    op.drop_table('plan_imports')
    op.drop_index('uq_generated_reports_pending', table_name='generated_reports')
