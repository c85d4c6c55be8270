"""robot details: which request sent a robot message

Rows of one robot sent together go out as one request; `batch` names that request (its claim and
its place in the claim), so the per-robot rate (20 requests a minute) counts requests, not rows.

Revision ID: 0016_robot_details
Revises: 0015_notifications
Create Date: 2026-12-02 05:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016_robot_details'
down_revision = '0015_notifications'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('robot_messages') as batch_op:
        batch_op.add_column(sa.Column('batch', sa.String(length=40), nullable=False, server_default=''))


def downgrade():
    with op.batch_alter_table('robot_messages') as batch_op:
        batch_op.drop_column('batch')
