"""data version: one row counting committed writes, for the page cache

Revision ID: 0006_data_version
Revises: 0005_evaluation_reports
Create Date: 2026-11-25 15:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006_data_version'
down_revision = '0005_evaluation_reports'
branch_labels = None
depends_on = None


def upgrade():
    # The row itself is created by the first write (see coordination/page_cache.py).
    op.create_table('data_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('epoch', sa.String(length=32), nullable=False),
    sa.Column('number', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_version'))
    )


def downgrade():
    op.drop_table('data_version')
