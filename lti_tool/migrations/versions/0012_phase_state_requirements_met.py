"""phase gating: each stored phase state keeps whether its requirements were met

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 02:40:00

With it, the cohort grid reads the stored states and applies the clock (a
window that opened since) instead of computing every learner's states from
every fact. Rows stored before have NULL: the grid computes those learners
from their facts, and the worker's periodic gating step stores them again.
"""
import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('gating_phase_state', schema=None) as batch_op:
        batch_op.add_column(sa.Column('requirements_met', sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('gating_phase_state', schema=None) as batch_op:
        batch_op.drop_column('requirements_met')
