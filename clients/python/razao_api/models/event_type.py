from enum import StrEnum


class EventType(StrEnum):
    ACCOUNT_CLOSED = "account.closed"
    ACCOUNT_FROZEN = "account.frozen"
    ACCOUNT_INTEREST_POSTED = "account.interest_posted"
    ACCOUNT_OPENED = "account.opened"
    ACCOUNT_UNFROZEN = "account.unfrozen"
    BALANCE_MONITOR_TRIGGERED = "balance.monitor_triggered"
    JOB_FAILED = "job.failed"
    JOB_SUCCEEDED = "job.succeeded"
    JOURNAL_SEALED = "journal.sealed"
    PERIOD_CLOSED = "period.closed"
    PERIOD_REOPENED = "period.reopened"
    RECONCILIATION_FINISHED = "reconciliation.finished"
    TRANSFER_CAPTURED = "transfer.captured"
    TRANSFER_EXPIRED = "transfer.expired"
    TRANSFER_PENDING = "transfer.pending"
    TRANSFER_POSTED = "transfer.posted"
    TRANSFER_REVERSED = "transfer.reversed"
    TRANSFER_VOIDED = "transfer.voided"

    def __str__(self) -> str:
        return str(self.value)
