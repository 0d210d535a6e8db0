from django.core.management.base import BaseCommand, CommandError

from audit.selectors import audit_chain_verify


class Command(BaseCommand):
    help = "Walk the audit hash chain; exit non-zero naming the first broken event."

    def handle(self, *args, **options):
        report = audit_chain_verify()
        if not report.intact:
            raise CommandError(
                f"Audit chain broken at event {report.first_broken_id}: {report.reason} "
                f"({report.checked} events before it are intact)."
            )
        self.stdout.write(f"Audit chain intact: {report.checked} events.")
