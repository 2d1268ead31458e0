"""typed jobs: the job table (roster refreshes today; Moodle syncs and messages later)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 00:40:00

The grade outbox keeps its table and rows: each row is the AGS-score job itself
(see activities/jobs.py). Only the table for the other kinds is new. A pending
job's dedup_key is unique (a partial index, on SQLite and PostgreSQL alike), so
one roster refresh per course waits at a time.
"""
import sqlalchemy as sa
from alembic import op

import activities.db

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('job',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=50), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('dedup_key', sa.String(length=200), nullable=True),
    sa.Column('platform_id', sa.Integer(), nullable=True),
    sa.Column('created_at', activities.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', activities.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', activities.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('leased_until', activities.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('leased_by', sa.String(length=100), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['platform_id'], ['lti_platform.id'], name=op.f('fk_job_platform_id_lti_platform'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job'))
    )
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.create_index('ix_job_due', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_job_platform_id'), ['platform_id'], unique=False)
        batch_op.create_index('ix_job_pending_dedup_key', ['dedup_key'], unique=True,
                              sqlite_where=sa.text("status = 'pending'"),
                              postgresql_where=sa.text("status = 'pending'"))


def downgrade() -> None:
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.drop_index('ix_job_pending_dedup_key')
        batch_op.drop_index(batch_op.f('ix_job_platform_id'))
        batch_op.drop_index('ix_job_due')
    op.drop_table('job')
