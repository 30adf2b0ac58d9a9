"""A real Celery worker delivers the outbox: `celery -A auction_bot worker` in its own
process, with the production settings module configured from the environment as in
a deployment, consuming a real broker (Redis when REDIS_URL is set, else kombu's
SQLAlchemy transport over a SQLite file) and writing to the test database.

Each test run uses a queue of its own, so parallel test processes (xdist, or other
runs on the same Redis) never take each other's tasks.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from accounts.models import Notification
from accounts.services import notify
from accounts.tasks import notifications_requeue_stuck
from auction_bot.celery import app as celery_app
from telegrambot.tests.fake_botapi import FakeBotAPI

from .factories import NotificationFactory, UserFactory

# The worker writes to the database from another process: the test's data must be
# committed for it to see.
pytestmark = pytest.mark.django_db(transaction=True)

# Generous: the first task waits for the worker to start.
WORKER_TIMEOUT = 60.0


def _database_env() -> dict[str, str]:
    """Point the worker's production settings at this test's database."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return {"DATABASE_URL": "", "SQLITE_PATH": db["NAME"]}
    credentials = quote(db["USER"] or "")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"])
    host = db["HOST"] or "127.0.0.1"
    port = f":{db['PORT']}" if db["PORT"] else ""
    return {
        "DATABASE_URL": f"postgres://{credentials}@{host}{port}/{db['NAME']}",
        "CONN_MAX_AGE": "0",
    }


@contextmanager
def _publishing_to(broker_url: str, queue: str) -> Iterator[None]:
    """Make this process's `.delay()` publish to the worker's broker and queue
    (the test settings use the in-memory broker)."""
    conf = celery_app.conf
    saved = conf.broker_url, conf.task_default_queue

    def reconnect() -> None:
        # The app caches its connection and producer pools for the broker it
        # first used; dropping them makes the next publish connect anew.
        if celery_app._pool is not None:
            celery_app._pool.force_close_all()
        celery_app._pool = None
        celery_app.amqp._producer_pool = None

    conf.broker_url, conf.task_default_queue = broker_url, queue
    reconnect()
    try:
        yield
    finally:
        try:
            # Leave nothing behind on a shared Redis. Kombu deletes only the
            # bindings its channel knows of, hence the declare first.
            with celery_app.connection_for_write() as conn:
                bound = celery_app.amqp.queues[queue].bind(conn.default_channel)
                bound.declare()
                bound.delete()
        finally:
            conf.broker_url, conf.task_default_queue = saved
            reconnect()


@pytest.fixture(scope="module")
def worker_botapi() -> Iterator[FakeBotAPI]:
    """The fake Bot API for the worker's whole life (it outlives a single test)."""
    server = FakeBotAPI(settings.TELEGRAM_BOT_TOKEN).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def celery_worker(
    worker_botapi, django_db_setup, tmp_path_factory
) -> Iterator[tuple[FakeBotAPI, Path]]:
    """One worker process for the module: starting one takes seconds."""
    tmp_path = tmp_path_factory.mktemp("celery")
    queue = f"test-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}-{uuid.uuid4().hex}"
    broker_url = settings.REDIS_URL or f"sqla+sqlite:///{tmp_path / 'broker.sqlite3'}"
    env = {
        **os.environ,
        **_database_env(),
        "DJANGO_SETTINGS_MODULE": "auction_bot.settings",
        "DEBUG": "1",
        "SECRET_KEY": "celery-worker-test",
        "SENTRY_DSN": "",
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_BROKER_URL": broker_url,
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "TELEGRAM_BOT_TOKEN": settings.TELEGRAM_BOT_TOKEN,
        "TELEGRAM_API_BASE_URL": worker_botapi.root,
        "LOG_LEVEL": "INFO",
    }
    log = tmp_path / "worker.log"
    with _publishing_to(broker_url, queue), log.open("w") as out:
        worker = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("celery")),
                "-A",
                "auction_bot",
                "worker",
                # The production pool: the only one that enforces time limits.
                "--pool=prefork",
                "--concurrency=1",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                f"--hostname=test-{uuid.uuid4().hex[:8]}@%h",
                "--loglevel=INFO",
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            yield worker_botapi, log
        finally:
            _stop(worker)


@pytest.fixture
def bot(celery_worker, transactional_db) -> Iterator[FakeBotAPI]:
    """The fake Bot API the worker talks to; the worker's log is printed after
    the test, and pytest shows it when the test fails."""
    server, log = celery_worker
    with log.open("rb") as worker_log:
        worker_log.seek(0, os.SEEK_END)
        yield server
        print(worker_log.read().decode(errors="replace"))


def _wait_until_sent(notification_id: int) -> Notification:
    """The worker records the outcome a moment after Telegram answered."""
    deadline = time.monotonic() + 10
    while True:
        notification = Notification.objects.get(pk=notification_id)
        if notification.status != Notification.Status.PENDING:
            return notification
        if time.monotonic() > deadline:
            raise AssertionError(f"notification {notification_id} is still pending")
        time.sleep(0.1)


def _stop(worker: subprocess.Popen[bytes]) -> None:
    if worker.poll() is not None:
        return
    worker.send_signal(signal.SIGTERM)  # warm shutdown: finish the current task
    try:
        worker.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)


def _to(user):
    return lambda params: int(params.get("chat_id", 0)) == user.telegram_id


def test_a_committed_notification_is_delivered_by_a_real_worker(bot):
    user = UserFactory(language="en")

    notify(recipient=user, kind="payment_credited", payload={"amount": 1})

    call = bot.wait_for("sendMessage", _to(user), timeout=WORKER_TIMEOUT)
    assert call.params["text"] == "1 star was credited to your balance."
    notification = _wait_until_sent(Notification.objects.get().pk)
    assert notification.status == Notification.Status.SENT


def test_the_worker_retries_when_telegram_asks_to_wait(bot):
    user = UserFactory()
    bot.fail_next(
        "sendMessage", error_code=429, description="Too Many Requests", retry_after=1
    )
    mark = bot.mark()

    notify(recipient=user, kind="test")

    refused = bot.wait_for("sendMessage", _to(user), after=mark, timeout=WORKER_TIMEOUT)
    bot.wait_for("sendMessage", _to(user), after=bot.calls.index(refused) + 1)
    notification = _wait_until_sent(Notification.objects.get().pk)
    assert notification.status == Notification.Status.SENT
    assert notification.attempts == 2
    assert len(bot.sent_texts(user.telegram_id)) == 2


def test_the_beat_sweep_run_by_the_worker_delivers_a_lost_notification(bot):
    # Written without a task: as if the process died between commit and queueing.
    notification = NotificationFactory(kind="test")
    Notification.objects.filter(pk=notification.pk).update(
        created_at=notification.created_at.replace(year=2000)
    )

    notifications_requeue_stuck.delay()

    bot.wait_for("sendMessage", _to(notification.recipient), timeout=WORKER_TIMEOUT)
    assert _wait_until_sent(notification.pk).status == Notification.Status.SENT
