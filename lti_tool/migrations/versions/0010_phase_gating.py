"""phase gating: programs, phases, requirements, overrides, sign-offs, states, audit

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 23:57:57.605336
"""
import sqlalchemy as sa
from alembic import op

import activities.db

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('gating_program',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=500), nullable=False),
    sa.Column('time_zone', sa.String(length=64), nullable=False),
    sa.Column('template', sa.String(length=40), nullable=False),
    sa.Column('created_at', activities.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', activities.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_gating_program_course_id_course'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gating_program')),
    sa.UniqueConstraint('course_id', name=op.f('uq_gating_program_course_id'))
    )
    op.create_table('gating_audit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('program_id', sa.Integer(), nullable=False),
    sa.Column('at', activities.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('learner_id', sa.Integer(), nullable=True),
    sa.Column('phase_id', sa.Integer(), nullable=True),
    sa.Column('requirement_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['person.id'], name=op.f('fk_gating_audit_actor_id_person'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['learner_id'], ['person.id'], name=op.f('fk_gating_audit_learner_id_person'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['program_id'], ['gating_program.id'], name=op.f('fk_gating_audit_program_id_gating_program'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gating_audit'))
    )
    with op.batch_alter_table('gating_audit', schema=None) as batch_op:
        batch_op.create_index('ix_gating_audit_program', ['program_id', 'id'], unique=False)

    op.create_table('gating_phase',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('program_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('opens_at', activities.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closes_at', activities.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("kind IN ('mandiri', 'jarak_jauh', 'klasikal', 'other')", name=op.f('ck_gating_phase_kind')),
    sa.ForeignKeyConstraint(['program_id'], ['gating_program.id'], name=op.f('fk_gating_phase_program_id_gating_program'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gating_phase')),
    sa.UniqueConstraint('program_id', 'position', name=op.f('uq_gating_phase_program_id_position'))
    )
    op.create_table('gating_phase_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('phase_id', sa.Integer(), nullable=False),
    sa.Column('learner_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('graded_value', sa.Double(), nullable=True),
    sa.Column('updated_at', activities.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("state IN ('locked', 'open', 'complete', 'overridden')", name=op.f('ck_gating_phase_state_state')),
    sa.ForeignKeyConstraint(['learner_id'], ['person.id'], name=op.f('fk_gating_phase_state_learner_id_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['phase_id'], ['gating_phase.id'], name=op.f('fk_gating_phase_state_phase_id_gating_phase'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gating_phase_state')),
    sa.UniqueConstraint('phase_id', 'learner_id', name=op.f('uq_gating_phase_state_phase_id_learner_id'))
    )
    with op.batch_alter_table('gating_phase_state', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_gating_phase_state_learner_id'), ['learner_id'], unique=False)

    op.create_table('gating_requirement_group',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('phase_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('at_least', sa.Integer(), nullable=False),
    sa.CheckConstraint('at_least >= 1', name=op.f('ck_gating_requirement_group_at_least')),
    sa.ForeignKeyConstraint(['phase_id'], ['gating_phase.id'], name=op.f('fk_gating_requirement_group_phase_id_gating_phase'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gating_requirement_group'))
    )
    with op.batch_alter_table('gating_requirement_group', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_gating_requirement_group_phase_id'), ['phase_id'], unique=False)

    op.create_table('gating_requirement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('phase_id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['gating_requirement_group.id'], name=op.f('fk_gating_requirement_group_id_gating_requirement_group'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['phase_id'], ['gating_phase.id'], name=op.f('fk_gating_requirement_phase_id_gating_phase'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gating_requirement'))
    )
    with op.batch_alter_table('gating_requirement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_gating_requirement_phase_id'), ['phase_id'], unique=False)

    op.create_table('gating_override',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('program_id', sa.Integer(), nullable=False),
    sa.Column('learner_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('phase_id', sa.Integer(), nullable=False),
    sa.Column('requirement_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', activities.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('undone_at', activities.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('undone_by', sa.Integer(), nullable=True),
    sa.Column('undo_reason', sa.Text(), nullable=True),
    sa.CheckConstraint("kind IN ('complete_phase', 'waive_requirement')", name=op.f('ck_gating_override_kind')),
    sa.ForeignKeyConstraint(['created_by'], ['person.id'], name=op.f('fk_gating_override_created_by_person'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['learner_id'], ['person.id'], name=op.f('fk_gating_override_learner_id_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['phase_id'], ['gating_phase.id'], name=op.f('fk_gating_override_phase_id_gating_phase'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['program_id'], ['gating_program.id'], name=op.f('fk_gating_override_program_id_gating_program'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requirement_id'], ['gating_requirement.id'], name=op.f('fk_gating_override_requirement_id_gating_requirement'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['undone_by'], ['person.id'], name=op.f('fk_gating_override_undone_by_person'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gating_override'))
    )
    with op.batch_alter_table('gating_override', schema=None) as batch_op:
        batch_op.create_index('ix_gating_override_learner', ['program_id', 'learner_id'], unique=False)

    op.create_table('gating_sign_off',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('requirement_id', sa.Integer(), nullable=False),
    sa.Column('learner_id', sa.Integer(), nullable=False),
    sa.Column('signed_by', sa.Integer(), nullable=True),
    sa.Column('signed_at', activities.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('revoked_at', activities.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['learner_id'], ['person.id'], name=op.f('fk_gating_sign_off_learner_id_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requirement_id'], ['gating_requirement.id'], name=op.f('fk_gating_sign_off_requirement_id_gating_requirement'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['revoked_by'], ['person.id'], name=op.f('fk_gating_sign_off_revoked_by_person'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['signed_by'], ['person.id'], name=op.f('fk_gating_sign_off_signed_by_person'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gating_sign_off'))
    )
    with op.batch_alter_table('gating_sign_off', schema=None) as batch_op:
        batch_op.create_index('ix_gating_sign_off_requirement', ['requirement_id', 'learner_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('gating_sign_off', schema=None) as batch_op:
        batch_op.drop_index('ix_gating_sign_off_requirement')

    op.drop_table('gating_sign_off')
    with op.batch_alter_table('gating_override', schema=None) as batch_op:
        batch_op.drop_index('ix_gating_override_learner')

    op.drop_table('gating_override')
    with op.batch_alter_table('gating_requirement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_gating_requirement_phase_id'))

    op.drop_table('gating_requirement')
    with op.batch_alter_table('gating_requirement_group', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_gating_requirement_group_phase_id'))

    op.drop_table('gating_requirement_group')
    with op.batch_alter_table('gating_phase_state', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_gating_phase_state_learner_id'))

    op.drop_table('gating_phase_state')
    op.drop_table('gating_phase')
    with op.batch_alter_table('gating_audit', schema=None) as batch_op:
        batch_op.drop_index('ix_gating_audit_program')

    op.drop_table('gating_audit')
    op.drop_table('gating_program')
