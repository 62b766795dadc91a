"""Webhook endpoints, their deliveries and attempts.

(Being written.)

Revision ID: 0011_webhooks
Revises: 0010_events
Create Date: 2026-12-05
"""

from collections.abc import Sequence

revision: str = "0011_webhooks"
down_revision: str | None = "0010_events"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
