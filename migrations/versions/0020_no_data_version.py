"""The page cache's write counter goes: figures are kept by version in Redis (datacache.py).

Revision ID: 0020_no_data_version
Revises: 0017_task_list_indexes
"""

import sqlalchemy as sa
from alembic import op

revision = "0020_no_data_version"
down_revision = "0017_task_list_indexes"
branch_labels = None
depends_on = None


def upgrade():
    op.drop_table("data_version")


def downgrade():
    op.create_table(
        "data_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("epoch", sa.String(length=32), nullable=False),
        sa.Column("number", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_version")),
    )
