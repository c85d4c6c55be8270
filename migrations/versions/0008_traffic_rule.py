"""traffic rule: per-mechanism traffic-light thresholds and 序时进度 lag

Revision ID: 0008_traffic_rule
Revises: 0007_work_calendar
Create Date: 2026-12-01 20:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008_traffic_rule'
down_revision = '0007_work_calendar'
branch_labels = None
depends_on = None


def upgrade():
    # Empty means the defaults of workflows.traffic.TrafficRule.
    with op.batch_alter_table('mechanisms', schema=None) as batch_op:
        batch_op.add_column(sa.Column('traffic_rule', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('mechanisms', schema=None) as batch_op:
        batch_op.drop_column('traffic_rule')
