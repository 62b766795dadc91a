"""The Celery app's reliability settings and beat's schedule (built without touching a broker)."""

from __future__ import annotations

from datetime import timedelta

from adapters.tasks.celery_app import (
    EXPIRE_HOLDS,
    PRUNE_EVENTS,
    RUN_JOB,
    VERIFY_LEDGER,
    CeleryConfig,
    create_celery,
)
from adapters.tasks.runtime import TaskRuntime
from razao.container import build_container
from razao.settings import Settings


def _unused_runtime() -> TaskRuntime:
    raise AssertionError("building the app must not build the runtime")


def test_delivery_is_at_least_once_with_one_task_reserved_at_a_time() -> None:
    app = create_celery(CeleryConfig("redis://127.0.0.1:6379/0", visibility_timeout=7200), _unused_runtime)
    conf = app.conf

    assert conf.task_acks_late and conf.task_reject_on_worker_lost
    assert conf.worker_prefetch_multiplier == 1
    assert conf.broker_transport_options["visibility_timeout"] == 7200
    # a worker killed while restoring expired reservations must not hold up redeliveries for minutes
    assert conf.broker_transport_options["unacked_mutex_expire"] <= 10
    assert conf.worker_send_task_events and conf.task_send_sent_event
    assert conf.task_serializer == "json" and list(conf.accept_content) == ["json"]
    assert {EXPIRE_HOLDS, RUN_JOB, VERIFY_LEDGER, PRUNE_EVENTS} <= set(app.tasks)


def test_beat_expires_holds_every_minute_and_verifies_daily() -> None:
    schedule = create_celery(
        CeleryConfig("redis://x", verification_hour_utc=4), _unused_runtime
    ).conf.beat_schedule
    assert schedule["expire-holds"]["task"] == EXPIRE_HOLDS
    assert schedule["expire-holds"]["schedule"] == timedelta(minutes=1)
    assert schedule["verify-ledger"]["task"] == VERIFY_LEDGER
    assert schedule["verify-ledger"]["schedule"].hour == {4}

    unscheduled = create_celery(CeleryConfig("redis://x", verification_hour_utc=None), _unused_runtime)
    assert "verify-ledger" not in unscheduled.conf.beat_schedule


def test_beat_prunes_old_events_hourly() -> None:
    schedule = create_celery(CeleryConfig("redis://x"), _unused_runtime).conf.beat_schedule
    assert schedule["prune-events"]["task"] == PRUNE_EVENTS
    assert schedule["prune-events"]["schedule"].minute == {17}
    assert len(schedule["prune-events"]["schedule"].hour) == 24


def test_the_container_wires_the_app_from_settings_without_connecting() -> None:
    settings = Settings(
        broker_url="amqp://guest:guest@127.0.0.1:5672//", task_queue="q1", broker_visibility_timeout=99
    )
    app = build_container(settings).celery()
    assert app.conf.broker_url == "amqp://guest:guest@127.0.0.1:5672//"
    assert app.conf.task_default_queue == "q1"
    assert app.conf.broker_transport_options["visibility_timeout"] == 99
