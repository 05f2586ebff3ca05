from django.core.management.base import BaseCommand

from core.demo import DEMO_ADMIN, load_demo


class Command(BaseCommand):
    help = "Build or refresh the demo portal (safe to run again)."

    def handle(self, *args, **options):
        counts = load_demo()
        summary = ", ".join(f"{count} {name}" for name, count in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Demo portal ready: {summary}."))
        self.stdout.write(
            f"Admin: /admin/ as {DEMO_ADMIN['username']} / {DEMO_ADMIN['password']}"
        )
