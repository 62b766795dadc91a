"""Celery adapter: the background use cases (expiring holds, interest accrual, ledger verification).

`celery_app.create_celery` builds the Celery application from plain settings and a lazily built
`TaskRuntime` (the ports the tasks call), both supplied by the composition root (`razao.container`);
nothing here connects to a broker or a database at import time. Tasks are thin: they bind their ids into
the log context and call application use cases. `beat.ClaimingScheduler` is beat's scheduler: each
firing is claimed in the database first, so that two beats never send it twice (docs/processes.md).
"""
