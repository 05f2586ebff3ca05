"""Enqueue the weather and rate refreshes on their schedule until stopped."""

import signal
import threading

from django.core.management.base import BaseCommand, CommandError

from editions.tasks import run_forever, run_once


class Command(BaseCommand):
    help = (
        "Enqueue weather and rate refreshes once per slot, until SIGTERM or SIGINT. "
        "Several schedulers may run: each slot is taken by one of them only."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--once", action="store_true", help="Check the schedule once and exit."
        )
        parser.add_argument(
            "--tick",
            type=float,
            default=30,
            metavar="SECONDS",
            help="Seconds between checks of the schedule (default 30).",
        )

    def handle(self, *args, once: bool, tick: float, **options):
        if once:
            jobs = run_once()
            self.stdout.write(f"Enqueued {len(jobs)} job(s): {', '.join(jobs)}")
            return
        if tick <= 0:
            raise CommandError("--tick must be a positive number of seconds.")
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        run_forever(stop, tick)
