"""moodle calendar: the per-program switch, each meeting's event link and the calendar outbox

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 03:50:00
"""
import sqlalchemy as sa
from alembic import op

import activities.db

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('moodle_course_sync') as batch:
        batch.add_column(sa.Column('calendar', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table('moodle_calendar_link',
    sa.Column('meeting_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('platform_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('wanted', sa.JSON(), nullable=True),
    sa.Column('changes', sa.Integer(), nullable=False),
    sa.Column('moodle_event_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_moodle_calendar_link_course_id_course'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['platform_id'], ['lti_platform.id'],
                            name=op.f('fk_moodle_calendar_link_platform_id_lti_platform'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('meeting_id', name=op.f('pk_moodle_calendar_link'))
    )
    op.create_index(op.f('ix_moodle_calendar_link_course_id'), 'moodle_calendar_link', ['course_id'], unique=False)
    op.create_index(op.f('ix_moodle_calendar_link_platform_id'), 'moodle_calendar_link', ['platform_id'],
                    unique=False)
    op.create_table('moodle_calendar_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('change_key', sa.String(length=100), nullable=False),
    sa.Column('action', sa.String(length=10), nullable=False),
    sa.Column('event', sa.JSON(), nullable=False),
    sa.Column('created_at', activities.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('attempted_at', activities.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('sent_at', activities.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('superseded', sa.Boolean(), nullable=False),
    sa.Column('moodle_event_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_moodle_calendar_change_course_id_course'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['platform_id'], ['lti_platform.id'],
                            name=op.f('fk_moodle_calendar_change_platform_id_lti_platform'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_moodle_calendar_change')),
    sa.UniqueConstraint('change_key', name=op.f('uq_moodle_calendar_change_change_key'))
    )
    op.create_index(op.f('ix_moodle_calendar_change_course_id'), 'moodle_calendar_change', ['course_id'],
                    unique=False)
    op.create_index(op.f('ix_moodle_calendar_change_meeting_id'), 'moodle_calendar_change', ['meeting_id'],
                    unique=False)
    op.create_index(op.f('ix_moodle_calendar_change_platform_id'), 'moodle_calendar_change', ['platform_id'],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_moodle_calendar_change_platform_id'), table_name='moodle_calendar_change')
    op.drop_index(op.f('ix_moodle_calendar_change_meeting_id'), table_name='moodle_calendar_change')
    op.drop_index(op.f('ix_moodle_calendar_change_course_id'), table_name='moodle_calendar_change')
    op.drop_table('moodle_calendar_change')
    op.drop_index(op.f('ix_moodle_calendar_link_platform_id'), table_name='moodle_calendar_link')
    op.drop_index(op.f('ix_moodle_calendar_link_course_id'), table_name='moodle_calendar_link')
    op.drop_table('moodle_calendar_link')
    with op.batch_alter_table('moodle_course_sync') as batch:
        batch.drop_column('calendar')
