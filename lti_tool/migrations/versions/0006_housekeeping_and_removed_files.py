"""coaching evidence files record their removal; housekeeping runs

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05 23:40:00.000000
"""
import sqlalchemy as sa
from alembic import op

import activities.db

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('housekeeping_run',
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('last_run_at', activities.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_housekeeping_run'))
    )
    with op.batch_alter_table('coaching_evidence_file', schema=None) as batch_op:
        batch_op.add_column(sa.Column('removed_at', activities.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('removed_after', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('coaching_evidence_file', schema=None) as batch_op:
        batch_op.drop_column('removed_after')
        batch_op.drop_column('removed_at')
    op.drop_table('housekeeping_run')
