"""`manage.py scheduler`: run the periodic jobs of config/cron.py; exactly one per installation."""

from typing import Any

from django.core.management.base import BaseCommand

from config.scheduler import ResilientCronScheduler


class Command(BaseCommand):
    help = "Run the scheduler of the periodic jobs (imports, sweeps); it waits out Redis outages."

    def handle(self, *args: Any, **options: Any) -> None:
        scheduler = ResilientCronScheduler()
        scheduler.load_config_from_file("config.cron")
        self.stdout.write(f"Scheduling {len(scheduler.get_jobs())} periodic jobs.")
        scheduler.start()
