"""task list indexes: all tasks, a unit's tasks, and a unit's open tasks, in deadline order

The task list (all tasks for the leading group, 我的任务, a unit's overdue list) reads its first
page off these indexes instead of sorting every task it filters; a unit's overdue count is a
range of the partial index on open tasks.

Revision ID: 0017_task_list_indexes
Revises: 0016_robot_details
Create Date: 2026-12-02 14:00:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0017_task_list_indexes"
down_revision = "0016_robot_details"
branch_labels = None
depends_on = None

OPEN_ONLY = sa.text("state IN ('acknowledged', 'assigned', 'in_progress', 'returned')")


def upgrade():
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.create_index("ix_assignments_deadline", ["current_deadline", "id"])
        batch_op.create_index("ix_assignments_body_deadline", ["body_id", "current_deadline", "id"])
        batch_op.create_index(
            "ix_assignments_open_body_deadline",
            ["body_id", "current_deadline", "id"],
            postgresql_where=OPEN_ONLY,
            sqlite_where=OPEN_ONLY,
        )


def downgrade():
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.drop_index("ix_assignments_open_body_deadline")
        batch_op.drop_index("ix_assignments_body_deadline")
        batch_op.drop_index("ix_assignments_deadline")
