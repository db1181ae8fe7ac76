import threading

from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection
from django.utils.translation import gettext as _
from django_tasks_db.management.commands.db_worker import Worker

from essaim.core import jobs
from essaim.core.actions import do_forget_worker


class Command(BaseCommand):
    help = (
        "Run the background jobs (imports, announcements, digests…), and enqueue the scheduled "
        "ones when they are due. Start one or more beside the web servers; they share the "
        "queue in the database."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--queues", default="*", help="Queues to take jobs from, separated by commas (all: *)."
        )
        parser.add_argument("--batch", action="store_true",
                            help="Run what is waiting, then stop (nothing scheduled is "
                            "enqueued).")  # fmt: skip
        parser.add_argument("--interval", type=float, default=1.0,
                            help="Seconds between two looks at an empty queue.")  # fmt: skip

    def handle(self, *args, queues, batch, interval, **options) -> None:
        worker_id, host, pid = jobs.worker_identity()
        jobs.keep_time(worker_id, host, pid, schedule=not batch)
        stop = threading.Event()

        def keeping_time() -> None:
            try:
                while not stop.wait(jobs.BEAT_EVERY):
                    try:
                        jobs.keep_time(worker_id, host, pid, schedule=not batch)
                    except Exception:  # the database restarting: said, then tried again
                        jobs.logger.exception("The worker's round failed; trying again.")
                    finally:
                        close_old_connections()
            finally:
                connection.close()  # this thread's own connection

        clock = threading.Thread(target=keeping_time, name="essaim-worker-clock", daemon=True)
        clock.start()
        worker = Worker(
            queue_names=queues.split(","), interval=interval, batch=batch,
            backend_name="default", startup_delay=not batch, max_tasks=None,
            worker_id=worker_id, excluded_queue_names=[],
        )  # fmt: skip
        if not batch:
            worker.configure_signals()
            self.stdout.write(_("Worker %(id)s takes jobs from the queue.") % {"id": worker_id})
        try:
            worker.run()
        finally:
            stop.set()
            clock.join(timeout=jobs.BEAT_EVERY * 2)
            do_forget_worker(worker_id)
