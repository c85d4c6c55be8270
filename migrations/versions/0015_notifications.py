"""notifications: the in-app inbox, e-mails of notifications, group robots and their messages

Sent reminders were the bell's only notifications; they are copied into the inbox (read or not,
as they were), which from now on the reminder delivery writes itself. Users may turn e-mail off
('off' joins 'digest' and 'immediate'); a mechanism may change who is told of what.

Revision ID: 0015_notifications
Revises: 0014_one_outbox
Create Date: 2026-12-02 04:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015_notifications'
down_revision = '0014_one_outbox'
branch_labels = None
depends_on = None


def _outbox_columns():
    return [
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('claim_token', sa.String(length=32), nullable=True),
        sa.Column('claimed_at', sa.DateTime(), nullable=True),
        sa.Column('last_error', sa.Text(), nullable=False),
        sa.Column('sent_at', sa.DateTime(), nullable=True),
        sa.Column('due_at', sa.DateTime(), nullable=False),
    ]


def upgrade():
    unread = sa.text('read_at IS NULL')
    op.create_table(
        'notifications',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('user_id', sa.Integer(), sa.ForeignKey('users.id'), nullable=False),
        sa.Column('mechanism_id', sa.Integer(), sa.ForeignKey('mechanisms.id'), nullable=True),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('urgency', sa.String(length=10), nullable=False),
        sa.Column('title', sa.String(length=300), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('url', sa.String(length=300), nullable=False),
        sa.Column('unit_id', sa.Integer(), sa.ForeignKey('bodies.id'), nullable=True),
        sa.Column('object_key', sa.String(length=80), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('read_at', sa.DateTime(), nullable=True),
    )
    op.create_index('ix_notifications_unread', 'notifications', ['user_id'],
                    postgresql_where=unread, sqlite_where=unread)
    op.create_index('ix_notifications_user_created', 'notifications', ['user_id', 'created_at', 'id'])

    op.create_table(
        'notification_mail',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('notification_id', sa.Integer(), sa.ForeignKey('notifications.id'), nullable=False, unique=True),
        sa.Column('user_id', sa.Integer(), sa.ForeignKey('users.id'), nullable=False),
        sa.Column('digest', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        *_outbox_columns(),
    )
    op.create_index('ix_notification_mail_status_due', 'notification_mail', ['status', 'due_at'])
    op.create_index('ix_notification_mail_user', 'notification_mail', ['user_id', 'status'])

    op.create_table(
        'webhooks',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('provider', sa.String(length=20), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('url', sa.String(length=500), nullable=False),
        sa.Column('secret', sa.String(length=200), nullable=False),
        sa.Column('body_id', sa.Integer(), sa.ForeignKey('bodies.id'), nullable=True),
        sa.Column('user_id', sa.Integer(), sa.ForeignKey('users.id'), nullable=True),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), sa.ForeignKey('users.id'), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('last_answer', sa.Text(), nullable=False),
        sa.Column('last_used_at', sa.DateTime(), nullable=True),
    )
    op.create_index('ix_webhooks_body_id', 'webhooks', ['body_id'])
    op.create_index('ix_webhooks_user_id', 'webhooks', ['user_id'])

    op.create_table(
        'robot_messages',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('webhook_id', sa.Integer(), sa.ForeignKey('webhooks.id'), nullable=False),
        sa.Column('dedupe_key', sa.String(length=200), nullable=False, unique=True),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('urgency', sa.String(length=10), nullable=False),
        sa.Column('title', sa.String(length=300), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('url', sa.String(length=500), nullable=False),
        sa.Column('mentions', sa.String(length=500), nullable=False),
        sa.Column('answer', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        *_outbox_columns(),
    )
    op.create_index('ix_robot_messages_status_due', 'robot_messages', ['status', 'due_at'])
    op.create_index('ix_robot_messages_webhook', 'robot_messages', ['webhook_id', 'status', 'sent_at'])

    with op.batch_alter_table('mechanisms') as batch_op:
        batch_op.add_column(sa.Column('notification_audiences', sa.JSON(), nullable=True))

    # The bell's history: every sent reminder becomes an inbox row, read as it was.
    op.execute(
        """
        INSERT INTO notifications (user_id, kind, urgency, title, body, url, object_key, created_at, read_at)
        SELECT user_id,
               CASE WHEN kind LIKE 'escalation%' THEN 'escalation' ELSE 'reminder' END,
               CASE WHEN kind LIKE 'escalation%' THEN 'urgent' ELSE 'normal' END,
               subject, '', '',
               CASE WHEN assignment_id IS NOT NULL THEN 'assignment:' || assignment_id
                    WHEN meeting_id IS NOT NULL THEN 'meeting:' || meeting_id
                    WHEN visit_id IS NOT NULL THEN 'visit:' || visit_id
                    ELSE '' END,
               COALESCE(sent_at, created_at), read_at
        FROM reminders WHERE status = 'sent'
        """
    )
    with op.batch_alter_table('reminders') as batch_op:
        batch_op.drop_index('ix_reminders_user_unread')
        batch_op.drop_column('read_at')


def downgrade():
    with op.batch_alter_table('reminders') as batch_op:
        batch_op.add_column(sa.Column('read_at', sa.DateTime(), nullable=True))
        batch_op.create_index('ix_reminders_user_unread', ['user_id', 'status', 'read_at'])
    with op.batch_alter_table('mechanisms') as batch_op:
        batch_op.drop_column('notification_audiences')
    op.drop_table('robot_messages')
    op.drop_table('webhooks')
    op.drop_table('notification_mail')
    op.drop_table('notifications')
