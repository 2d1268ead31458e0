"""moodle messages: the per-program switch of the meeting reminders

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 06:10:00
"""
import sqlalchemy as sa
from alembic import op

import activities.db

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('moodle_course_sync') as batch:
        batch.add_column(sa.Column('notify_meeting_since', activities.db.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('moodle_course_sync') as batch:
        batch.drop_column('notify_meeting_since')
