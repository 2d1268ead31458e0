"""scrub platform text from grade outbox errors

Before this revision ``grade_outbox.last_error`` kept up to 300 characters of
whatever a platform answered, and the staff grades page showed it. Padu now
keeps only its own words and the HTTP status; this rewrites the rows written
before, keeping the status.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 23:45:00
"""
import re

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

#: Padu's own fixed phrasings from before this revision, kept as they are.
KEPT = (
    "the gradebook already holds this or a newer result",
    "the platform gave no gradebook endpoint (AGS) for this activity",
    "replaced by a newer result",
)


def upgrade() -> None:
    outbox = sa.table("grade_outbox", sa.column("id", sa.Integer), sa.column("last_error", sa.Text))
    bind = op.get_bind()
    rows = bind.execute(sa.select(outbox.c.id, outbox.c.last_error).where(outbox.c.last_error.is_not(None))).all()
    for row_id, text in rows:
        if text in KEPT:
            continue
        status = re.search(r"HTTP (\d{3})", text)
        if status:
            scrubbed = f"the platform answered HTTP {status.group(1)} (an older entry; details are in Padu's log)"
        else:
            scrubbed = "the platform could not be reached or refused (an older entry; details are in Padu's log)"
        bind.execute(sa.update(outbox).where(outbox.c.id == row_id).values(last_error=scrubbed))


def downgrade() -> None:
    pass  # what was removed is not kept anywhere
