"""lti: drop lti_login_state; a login's state is signed, not stored (lti_tool.lti1p3.oidc)

A login in flight while this runs (its state a row) is refused at its launch,
as an expired one would be: the person opens the activity again from Moodle.
The downgrade recreates the table as 0001 made it, empty.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 08:40:00
"""
import sqlalchemy as sa
from alembic import op

import activities.db

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('lti_login_state', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lti_login_state_expires_at'))

    op.drop_table('lti_login_state')


def downgrade() -> None:
    op.create_table('lti_login_state',
    sa.Column('state', sa.String(length=128), nullable=False),
    sa.Column('nonce', sa.String(length=128), nullable=False),
    sa.Column('platform_id', sa.Integer(), nullable=False),
    sa.Column('target_link_uri', sa.Text(), nullable=False),
    sa.Column('created_at', activities.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', activities.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['platform_id'], ['lti_platform.id'], name=op.f('fk_lti_login_state_platform_id_lti_platform'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('state', name=op.f('pk_lti_login_state'))
    )
    with op.batch_alter_table('lti_login_state', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lti_login_state_expires_at'), ['expires_at'], unique=False)
