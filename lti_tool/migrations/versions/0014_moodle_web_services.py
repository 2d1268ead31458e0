"""moodle web services: the token, the activity list, facts, groups, sync state and switches, the message outbox

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 02:40:00
"""
import sqlalchemy as sa
from alembic import op

import activities.db

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('moodle_connection',
    sa.Column('platform_id', sa.Integer(), nullable=False),
    sa.Column('token_sealed', sa.Text(), nullable=False),
    sa.Column('site_name', sa.String(length=500), nullable=False),
    sa.Column('release', sa.String(length=100), nullable=False),
    sa.Column('missing_functions', sa.JSON(), nullable=False),
    sa.Column('checked_at', activities.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['platform_id'], ['lti_platform.id'],
                            name=op.f('fk_moodle_connection_platform_id_lti_platform'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('platform_id', name=op.f('pk_moodle_connection'))
    )
    op.create_table('moodle_course_sync',
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('synced_at', activities.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('phase_groups', sa.Boolean(), nullable=False),
    sa.Column('notify_phase_open_since', activities.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('notify_review_since', activities.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('notify_revision_since', activities.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_moodle_course_sync_course_id_course'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('course_id', name=op.f('pk_moodle_course_sync'))
    )
    op.create_table('moodle_module',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('cmid', sa.Integer(), nullable=False),
    sa.Column('section', sa.Integer(), nullable=False),
    sa.Column('section_name', sa.String(length=500), nullable=False),
    sa.Column('name', sa.String(length=500), nullable=False),
    sa.Column('modname', sa.String(length=50), nullable=False),
    sa.Column('completion', sa.Integer(), nullable=False),
    sa.Column('read_at', activities.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_moodle_module_course_id_course'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_moodle_module')),
    sa.UniqueConstraint('course_id', 'cmid', name=op.f('uq_moodle_module_course_id_cmid'))
    )
    op.create_index(op.f('ix_moodle_module_course_id'), 'moodle_module', ['course_id'], unique=False)
    op.create_table('moodle_activity_fact',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('learner_id', sa.Integer(), nullable=False),
    sa.Column('cmid', sa.Integer(), nullable=False),
    sa.Column('completed', sa.Boolean(), nullable=False),
    sa.Column('grade_percent', sa.Float(), nullable=True),
    sa.Column('read_at', activities.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_moodle_activity_fact_course_id_course'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['learner_id'], ['person.id'], name=op.f('fk_moodle_activity_fact_learner_id_person'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_moodle_activity_fact')),
    sa.UniqueConstraint('course_id', 'learner_id', 'cmid', name=op.f('uq_moodle_activity_fact_course_id_learner_id_cmid'))
    )
    op.create_index('ix_moodle_activity_fact_cmid', 'moodle_activity_fact', ['course_id', 'cmid'], unique=False)
    op.create_index(op.f('ix_moodle_activity_fact_learner_id'), 'moodle_activity_fact', ['learner_id'],
                    unique=False)
    op.create_table('moodle_group',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('moodle_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=500), nullable=False),
    sa.Column('idnumber', sa.String(length=255), nullable=False),
    sa.Column('read_at', activities.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_moodle_group_course_id_course'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_moodle_group')),
    sa.UniqueConstraint('course_id', 'moodle_id', name=op.f('uq_moodle_group_course_id_moodle_id'))
    )
    op.create_index(op.f('ix_moodle_group_course_id'), 'moodle_group', ['course_id'], unique=False)
    op.create_table('moodle_group_member',
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['moodle_group.id'], name=op.f('fk_moodle_group_member_group_id_moodle_group'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_moodle_group_member_person_id_person'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('group_id', 'person_id', name=op.f('pk_moodle_group_member'))
    )
    op.create_index(op.f('ix_moodle_group_member_person_id'), 'moodle_group_member', ['person_id'], unique=False)
    op.create_table('moodle_notification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('learner_id', sa.Integer(), nullable=False),
    sa.Column('event_key', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', activities.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('attempted_at', activities.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('sent_at', activities.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('moodle_message_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_moodle_notification_course_id_course'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['learner_id'], ['person.id'], name=op.f('fk_moodle_notification_learner_id_person'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['platform_id'], ['lti_platform.id'],
                            name=op.f('fk_moodle_notification_platform_id_lti_platform'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_moodle_notification')),
    sa.UniqueConstraint('event_key', name=op.f('uq_moodle_notification_event_key'))
    )
    op.create_index(op.f('ix_moodle_notification_course_id'), 'moodle_notification', ['course_id'], unique=False)
    op.create_index(op.f('ix_moodle_notification_platform_id'), 'moodle_notification', ['platform_id'],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_moodle_notification_platform_id'), table_name='moodle_notification')
    op.drop_index(op.f('ix_moodle_notification_course_id'), table_name='moodle_notification')
    op.drop_table('moodle_notification')
    op.drop_index(op.f('ix_moodle_group_member_person_id'), table_name='moodle_group_member')
    op.drop_table('moodle_group_member')
    op.drop_index(op.f('ix_moodle_group_course_id'), table_name='moodle_group')
    op.drop_table('moodle_group')
    op.drop_index(op.f('ix_moodle_activity_fact_learner_id'), table_name='moodle_activity_fact')
    op.drop_index('ix_moodle_activity_fact_cmid', table_name='moodle_activity_fact')
    op.drop_table('moodle_activity_fact')
    op.drop_index(op.f('ix_moodle_module_course_id'), table_name='moodle_module')
    op.drop_table('moodle_module')
    op.drop_table('moodle_course_sync')
    op.drop_table('moodle_connection')
