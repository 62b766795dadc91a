"""Celery adapter: background use cases (expiring holds, interest accrual, ledger verification).

Reserved by the hexagon's layout; the Celery app and its tasks arrive with the background-jobs work.
"""
