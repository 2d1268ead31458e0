"""launch session last_seen_at (idle timeout)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05 23:20:00.000000
"""
import sqlalchemy as sa
from alembic import op

import activities.db

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('lti_launch_session', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_seen_at', activities.db.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('lti_launch_session', schema=None) as batch_op:
        batch_op.drop_column('last_seen_at')
