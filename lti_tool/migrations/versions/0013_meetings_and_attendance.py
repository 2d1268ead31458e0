"""meetings and attendance

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 02:20:26

The meetings (pertemuan) of a gating phase and each learner's attendance.
Check-in codes are derived from meeting.secret and the minute: no table.
"""
import sqlalchemy as sa
from alembic import op

import activities.db

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('meeting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('phase_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('link', sa.String(length=1000), nullable=False),
    sa.Column('place', sa.String(length=500), nullable=False),
    sa.Column('starts_at', activities.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', activities.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('facilitator_ids', sa.JSON(), nullable=False),
    sa.Column('learner_ids', sa.JSON(), nullable=True),
    sa.Column('secret', sa.String(length=64), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', activities.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', activities.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('online', 'in_person')", name=op.f('ck_meeting_kind')),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_meeting_ends_after_start')),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_meeting_course_id_course'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by'], ['person.id'], name=op.f('fk_meeting_created_by_person'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['phase_id'], ['gating_phase.id'], name=op.f('fk_meeting_phase_id_gating_phase'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting'))
    )
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.create_index('ix_meeting_course_starts', ['course_id', 'starts_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_meeting_phase_id'), ['phase_id'], unique=False)

    op.create_table('meeting_attendance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('learner_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('recorded_by', sa.Integer(), nullable=True),
    sa.Column('recorded_at', activities.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('how', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.CheckConstraint("how IN ('grid', 'check_in')", name=op.f('ck_meeting_attendance_how')),
    sa.CheckConstraint("status IN ('present', 'late', 'excused', 'absent')", name=op.f('ck_meeting_attendance_status')),
    sa.ForeignKeyConstraint(['learner_id'], ['person.id'], name=op.f('fk_meeting_attendance_learner_id_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_meeting_attendance_meeting_id_meeting'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by'], ['person.id'], name=op.f('fk_meeting_attendance_recorded_by_person'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_attendance')),
    sa.UniqueConstraint('meeting_id', 'learner_id', name=op.f('uq_meeting_attendance_meeting_id_learner_id'))
    )
    with op.batch_alter_table('meeting_attendance', schema=None) as batch_op:
        batch_op.create_index('ix_meeting_attendance_learner', ['learner_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('meeting_attendance', schema=None) as batch_op:
        batch_op.drop_index('ix_meeting_attendance_learner')

    op.drop_table('meeting_attendance')
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_phase_id'))
        batch_op.drop_index('ix_meeting_course_starts')

    op.drop_table('meeting')
