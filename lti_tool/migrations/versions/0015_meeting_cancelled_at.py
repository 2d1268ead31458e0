"""meetings: a meeting can be cancelled

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 03:30:00

A cancelled meeting is kept (learners see it as cancelled rather than have it
vanish; its marks stay for the record) but counts for no one's attendance.
Who cancelled it and why are in the gating audit trail.
"""
import sqlalchemy as sa
from alembic import op

import activities.db

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cancelled_at', activities.db.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.drop_column('cancelled_at')
