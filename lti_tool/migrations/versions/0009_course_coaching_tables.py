"""course-level coaching: coaching_assignment and coaching_session become course_coach_assignment and
course_coaching_session, rows kept

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 00:30:00

Coach assignments and coaching sessions were always per course (neither table
has an activity id); their models moved from ``activities.coaching`` to
``activities.course``, and their tables take that package's ``course_`` prefix.

Each table is made anew under its new name (so its primary key, foreign keys,
unique and check constraints and indexes are named by the project's naming
convention for that name, on SQLite and PostgreSQL alike), every row is
copied with its id, and the old table is dropped. On PostgreSQL the new id
sequence then continues after the highest copied id. The downgrade does the same
the other way.
"""
import sqlalchemy as sa
from alembic import op

import activities.db

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

ASSIGNMENT_COLUMNS = ('id', 'course_id', 'coach_id', 'learner_id', 'created_at', 'updated_at')
SESSION_COLUMNS = ('id', 'course_id', 'coach_id', 'learner_id', 'held_on', 'mode', 'notes', 'agreed_actions',
                   'created_at')


def _create_assignment_table(name: str, coach_index: str) -> None:
    op.create_table(name,
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('coach_id', sa.Integer(), nullable=False),
    sa.Column('learner_id', sa.Integer(), nullable=False),
    sa.Column('created_at', activities.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', activities.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('coach_id != learner_id', name=op.f(f'ck_{name}_not_self')),
    sa.ForeignKeyConstraint(['coach_id'], ['person.id'], name=op.f(f'fk_{name}_coach_id_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f(f'fk_{name}_course_id_course'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['learner_id'], ['person.id'], name=op.f(f'fk_{name}_learner_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{name}')),
    sa.UniqueConstraint('course_id', 'learner_id', name=op.f(f'uq_{name}_course_id_learner_id'))
    )
    with op.batch_alter_table(name, schema=None) as batch_op:
        batch_op.create_index(coach_index, ['course_id', 'coach_id'], unique=False)
        batch_op.create_index(batch_op.f(f'ix_{name}_learner_id'), ['learner_id'], unique=False)


def _create_session_table(name: str, learner_index: str) -> None:
    op.create_table(name,
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('coach_id', sa.Integer(), nullable=False),
    sa.Column('learner_id', sa.Integer(), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('mode', sa.String(length=20), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('agreed_actions', sa.JSON(), nullable=False),
    sa.Column('created_at', activities.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("mode IN ('online', 'in_person')", name=op.f(f'ck_{name}_mode')),
    sa.ForeignKeyConstraint(['coach_id'], ['person.id'], name=op.f(f'fk_{name}_coach_id_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f(f'fk_{name}_course_id_course'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['learner_id'], ['person.id'], name=op.f(f'fk_{name}_learner_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{name}'))
    )
    with op.batch_alter_table(name, schema=None) as batch_op:
        batch_op.create_index(batch_op.f(f'ix_{name}_coach_id'), ['coach_id'], unique=False)
        batch_op.create_index(learner_index, ['course_id', 'learner_id'], unique=False)


def _move_rows(source: str, target: str, columns: tuple[str, ...]) -> None:
    """Copy every row with its id, drop ``source``, and let ``target``'s ids continue after the last one."""
    names = ', '.join(columns)
    op.execute(f'INSERT INTO {target} ({names}) SELECT {names} FROM {source}')
    op.drop_table(source)
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f"SELECT setval(pg_get_serial_sequence('{target}', 'id'), "
                   f"COALESCE((SELECT MAX(id) FROM {target}), 0) + 1, false)")


def upgrade() -> None:
    _create_assignment_table('course_coach_assignment', 'ix_course_coach_assignment_coach')
    _move_rows('coaching_assignment', 'course_coach_assignment', ASSIGNMENT_COLUMNS)
    _create_session_table('course_coaching_session', 'ix_course_coaching_session_learner')
    _move_rows('coaching_session', 'course_coaching_session', SESSION_COLUMNS)


def downgrade() -> None:
    _create_assignment_table('coaching_assignment', 'ix_coaching_assignment_coach')
    _move_rows('course_coach_assignment', 'coaching_assignment', ASSIGNMENT_COLUMNS)
    _create_session_table('coaching_session', 'ix_coaching_session_learner')
    _move_rows('course_coaching_session', 'coaching_session', SESSION_COLUMNS)
