"""Balance monitors: conditions on an account's balances that fire an event when they become true.

(Being written.)

Revision ID: 0012_balance_monitors
Revises: 0011_webhooks
Create Date: 2026-12-05
"""

from collections.abc import Sequence

revision: str = "0012_balance_monitors"
down_revision: str | None = "0011_webhooks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
