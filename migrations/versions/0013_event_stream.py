"""The broker stream's cursor: how far the events were published to the message broker.

(Being written.)

Revision ID: 0013_event_stream
Revises: 0012_balance_monitors
Create Date: 2026-12-05
"""

from collections.abc import Sequence

revision: str = "0013_event_stream"
down_revision: str | None = "0012_balance_monitors"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
