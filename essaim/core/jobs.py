"""Background jobs: what is too long for a web request (an import of any size, an
announcement to thousands) or runs on a schedule (digests, snapshots, pulls, reminders),
through Django's tasks API with its database queue (`django-tasks`, `django-tasks-db`): no
other service, and several workers on several machines take jobs safely (a job is claimed in
a locked transaction: one worker runs it).

A job is a function registered with `@job`, enqueued with `enqueue()` once the caller's
transaction commits (it reads what was written). One that raises is tried again after a
growing delay (BACKOFF, then twice, four times…) up to its `attempts`; each attempt's error
stays in the admin (Tasks → results). A worker that dies in the middle of a job (killed, the
machine restarted) stops beating: the job is marked failed ("worker lost") and tried again.
Jobs are written to be run again safely: an import is one transaction (rolled back whole when
the worker dies), a reminder or a digest marks what it has sent.

`essaim worker` runs the jobs, beats, takes up lost jobs and enqueues the scheduled ones
(SCHEDULE); `make run` starts one beside gunicorn.
"""

import json
import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks import TaskContext, TaskResultStatus, task, task_backends
from django_tasks_db.models import DBTaskResult

from .actions import (
    do_beat,
    do_claim_slot,
    do_mark_lost,
    do_record_progress,
)
from .models import JobProgress, WorkerBeat

logger = logging.getLogger(__name__)

BACKOFF = timedelta(seconds=30)
BEAT_EVERY = 5  # seconds between two beats of a worker
# A worker silent this long is gone. Generous: on SQLite, a worker cannot beat while a long
# import holds the database's one write lock, and the machines' clocks may differ a little.
LOST_AFTER = timedelta(minutes=10)


@dataclass(frozen=True)
class Job:
    name: str
    function: Callable
    queue: str
    attempts: int
    takes_progress: bool


JOBS: dict[str, Job] = {}


def job(queue: str = "default", attempts: int = 3,
        takes_progress: bool = False) -> Callable[[Callable], Callable]:  # fmt: skip
    """Register a function as a job (its arguments must be JSON: ids, not objects). With
    `takes_progress`, it is given a `progress(done, total)` function to say how far it is."""

    def register(function: Callable) -> Callable:
        name = f"{function.__module__}.{function.__qualname__}"
        JOBS[name] = Job(name, function, queue, attempts, takes_progress)
        function.job_name = name
        return function

    return register


@task(takes_context=True)
def run(context: TaskContext, name: str, args: list, kwargs: dict, attempt: int = 1) -> object:
    """The one task of the queue: runs the job `name`, and enqueues its next attempt when it
    fails (the failure itself stays recorded, with its error)."""
    job_ = find_job(name)
    result_id = str(context.task_result.id)
    if job_.takes_progress:
        kwargs = {**kwargs, "progress": partial(_report_progress, result_id)}
    try:
        return job_.function(*args, **kwargs)
    except Exception:
        if attempt < job_.attempts:
            delay = BACKOFF * 2 ** (attempt - 1)
            logger.warning("Job %s failed (attempt %d of %d); trying again in %s.",
                           name, attempt, job_.attempts, delay)  # fmt: skip
            _enqueue_now(job_, args, kwargs_without_progress(kwargs), attempt + 1, delay)
        raise


def find_job(name: str) -> Job:
    """A job by its name, its module imported first if this process has not yet (a worker
    loads no page, so no admin that would have imported it)."""
    if name not in JOBS:
        import_string(name)  # registers it
    return JOBS[name]


def kwargs_without_progress(kwargs: dict) -> dict:
    return {key: value for key, value in kwargs.items() if key != "progress"}


def _report_progress(result_id: str, done: int, total: int | None = None, outcome=None) -> None:
    if outcome is not None or not connection.in_atomic_block:
        do_record_progress(result_id, done, total, outcome)
        if outcome is not None:
            _progress_file(result_id).unlink(missing_ok=True)
        return
    # Inside the job's own transaction (an import), which nobody sees before its end: told
    # apart from it. SQLite has one writer at a time, the job: its progress goes to a file.
    if connection.vendor == "sqlite":
        _progress_file(result_id).parent.mkdir(parents=True, exist_ok=True)
        written = _progress_file(result_id).with_suffix(".partial")
        written.write_text(json.dumps({"done": done, "total": total}))
        written.replace(_progress_file(result_id))
        return
    apart = threading.Thread(target=_record_apart, args=(result_id, done, total))
    apart.start()
    apart.join()


def _record_apart(result_id: str, done: int, total: int | None) -> None:
    try:
        do_record_progress(result_id, done, total)  # on this thread's own connection
    finally:
        connection.close()


def _progress_file(result_id: str) -> Path:
    return Path(settings.DATA_DIR) / "jobs" / f"{result_id}.json"


def _progress_told_apart(result_id: str) -> tuple[int, int | None] | None:
    try:
        data = json.loads(_progress_file(result_id).read_text())
    except (OSError, ValueError):
        return None
    return data["done"], data["total"]


def _enqueue_now(job_: Job, args: list, kwargs: dict, attempt: int = 1,
                 delay: timedelta | None = None):  # fmt: skip
    options = {"queue_name": job_.queue}
    if delay and task_backends["default"].supports_defer:
        options["run_after"] = timezone.now() + delay
    return run.using(**options).enqueue(job_.name, list(args), kwargs, attempt)


def enqueue(function: Callable, *args, **kwargs) -> None:
    """Run a job in the background once the current transaction commits."""
    job_ = JOBS[function.job_name]
    transaction.on_commit(partial(_enqueue_now, job_, list(args), kwargs))


def enqueue_at_once(function: Callable, *args, **kwargs) -> str:
    """Enqueue a job now (outside a transaction, or for a page that follows it); returns the
    id of its result."""
    return str(_enqueue_now(JOBS[function.job_name], list(args), kwargs).id)


def result_of(result_id: str) -> tuple[str, JobProgress | None, str]:
    """(status, progress, error in one line) of a job, by its result's id; status is "" when
    there is no such job."""
    try:
        key = uuid.UUID(str(result_id))
    except ValueError:
        key = None  # the immediate queue's own ids (tests): only a progress tells
    row = DBTaskResult.objects.filter(pk=key).first() if key else None
    progress = JobProgress.objects.filter(result_id=result_id).first()
    apart = _progress_told_apart(result_id)
    if apart and progress is not None and not progress.outcome and apart[0] > progress.done:
        progress.done, progress.total = apart
    if row is None:  # run at once (tests' immediate queue): its progress says it is done
        return ("SUCCESSFUL" if progress is not None else ""), progress, ""
    error = row.traceback.strip().splitlines()[-1] if row.traceback else ""
    return row.status, progress, error


def later_attempt(result_id: str) -> str | None:
    """The id of the latest attempt of the same job enqueued after this one (tried again after
    a failure, or after its worker was lost), if any."""
    try:
        row = DBTaskResult.objects.filter(pk=uuid.UUID(str(result_id))).first()
    except ValueError:
        return None
    if row is None:
        return None
    same = row.args_kwargs["args"][:3]  # the job's name and arguments, not its attempt
    later = (DBTaskResult.objects.filter(task_path=row.task_path, enqueued_at__gte=row.enqueued_at)
             .exclude(pk=row.pk).order_by("-enqueued_at"))  # fmt: skip
    return next((str(other.pk) for other in later if other.args_kwargs["args"][:3] == same), None)


# Scheduled jobs -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Every:
    """A schedule: every `minutes`, or each day at `hour` (on `weekday`, 0 Monday, or on the
    month's `day`)."""

    minutes: int = 0
    hour: int = 0
    weekday: int | None = None
    day: int | None = None

    def slot(self, now: datetime) -> str | None:
        """The time slot `now` falls in when the job is due in it, else None."""
        if self.minutes:
            # Counted in UTC: the hour a local clock repeats in autumn is two hours of slots.
            now = now.astimezone(UTC)
            return now.strftime("%Y%m%d%H") + f"{now.minute // self.minutes:02d}"
        if now.hour < self.hour:
            return None
        if self.weekday is not None and now.weekday() != self.weekday:
            return None
        if self.day is not None and now.day != self.day:
            return None
        return now.strftime("%Y-%m-%d")


@job(queue="default", attempts=2)
def command(name: str, *args: str) -> None:
    """A management command, run by the worker (the scheduled ones)."""
    call_command(name, *args)


# (name, command and its arguments, when): what cron used to run, in the site's time zone.
SCHEDULE = [
    ("send_announcements", ["send_announcements"], Every(minutes=1)),
    ("run_votes", ["run_votes"], Every(minutes=5)),
    ("pull", ["pull", "--if-followed"], Every(minutes=60)),
    ("snapshot", ["snapshot", "-v", "0"], Every(hour=3)),
    ("find-duplicates", ["find-duplicates"], Every(hour=2)),
    ("embed", ["embed", "--no-progress"], Every(hour=1)),
    ("forget_registrations", ["forget_registrations"], Every(hour=4)),
    ("read_feedback", ["read_feedback"], Every(hour=5)),
    ("send_digests", ["send_digests"], Every(hour=7)),
    ("send_help_digests", ["send_help_digests"], Every(hour=7)),
    ("remind_renewals", ["remind_renewals"], Every(hour=8)),
    ("remind_help_requests", ["remind_help_requests"], Every(hour=8)),
    ("remind_surveys", ["remind_surveys"], Every(hour=8)),
    ("ask-confirmations", ["ask-confirmations"], Every(hour=6, weekday=0)),
    ("record_atlas_counts", ["record_atlas_counts"], Every(hour=4, day=1)),
    ("prune", ["prune"], Every(minutes=60)),
]


def worker_identity() -> tuple[str, str, int]:
    host, pid = socket.gethostname(), os.getpid()
    return f"{host[:40]}-{pid}-{os.urandom(4).hex()}", host, pid


def queue_state() -> dict:
    """Jobs waiting and failing, and the workers alive (for /readyz and the admin)."""
    results = DBTaskResult.objects.all()
    waiting = results.ready()
    oldest = waiting.order_by("enqueued_at").values_list("enqueued_at", flat=True).first()
    since = timezone.now() - timedelta(days=1)
    return {
        "waiting": waiting.count(),
        "oldest_waiting_seconds": round((timezone.now() - oldest).total_seconds())
        if oldest else 0,
        "running": results.filter(status=TaskResultStatus.RUNNING).count(),
        "failed_last_day": results.filter(status=TaskResultStatus.FAILED,
                                          finished_at__gte=since).count(),
        "workers": WorkerBeat.objects.filter(seen_at__gte=timezone.now() - LOST_AFTER).count(),
    }  # fmt: skip


# What a worker does beside running jobs -----------------------------------------------------


def keep_time(worker_id: str, host: str, pid: int, schedule: bool = True) -> None:
    """A worker's round, every BEAT_EVERY seconds: it beats, takes up the jobs of workers
    gone silent, and enqueues the scheduled jobs that are due."""
    do_beat(worker_id, host, pid)
    take_up_lost()
    if schedule:
        enqueue_due(timezone.localtime())


def take_up_lost() -> int:
    """Jobs left running by a worker that stopped beating: failed ("worker lost"), then tried
    again if attempts remain; returns how many."""
    alive = set(WorkerBeat.objects.filter(seen_at__gte=timezone.now() - LOST_AFTER)
                .values_list("worker_id", flat=True))  # fmt: skip
    lost = 0
    for row in DBTaskResult.objects.running():
        if row.worker_ids and row.worker_ids[-1] in alive:
            continue
        if row.started_at and timezone.now() - row.started_at < LOST_AFTER:
            continue  # claimed by a worker that has not beaten yet
        if not do_mark_lost(row.pk):
            continue  # another worker took it up first
        lost += 1
        name, args, kwargs, *rest = row.args_kwargs["args"]
        attempt = rest[0] if rest else 1
        job_ = find_job(name)
        logger.error("Job %s lost with its worker (attempt %d).", name, attempt)
        if attempt < job_.attempts:
            _enqueue_now(job_, args, kwargs, attempt + 1)
    return lost


def enqueue_due(now: datetime) -> list[str]:
    """Enqueue the scheduled jobs due at `now` (local time) that no worker enqueued for this
    slot yet; returns their names."""
    enqueued = []
    for name, arguments, when in SCHEDULE:
        slot = when.slot(now)
        if not slot:
            continue
        with transaction.atomic():  # claimed and enqueued together, or neither
            if do_claim_slot(name, slot):
                enqueue_at_once(command, *arguments)
                enqueued.append(name)
    return enqueued
