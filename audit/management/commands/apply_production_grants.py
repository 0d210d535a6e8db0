from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from audit.models import AuditEvent


class Command(BaseCommand):
    help = (
        "Give the application's database role what it needs and no more: on the "
        "audit table only INSERT and SELECT. Run as the database owner."
    )

    def add_arguments(self, parser):
        parser.add_argument("--role", required=True, help="the role the web and worker processes connect as")
        parser.add_argument("--dry-run", action="store_true", help="print the statements, run nothing")

    def handle(self, *args, role, dry_run, **options):
        if connection.vendor != "postgresql":
            raise CommandError("Production grants apply to PostgreSQL only.")
        quote = connection.ops.quote_name
        audit_table = quote(AuditEvent._meta.db_table)
        audit_sequence = quote(f"{AuditEvent._meta.db_table}_id_seq")
        role_name = quote(role)
        statements = [
            f"GRANT USAGE ON SCHEMA public TO {role_name}",
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role_name}",
            f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role_name}",
            f"REVOKE ALL ON {audit_table} FROM {role_name}",
            f"GRANT INSERT, SELECT ON {audit_table} TO {role_name}",
            f"GRANT USAGE ON SEQUENCE {audit_sequence} TO {role_name}",
        ]
        with connection.cursor() as cursor:
            for statement in statements:
                self.stdout.write(statement + ";")
                if not dry_run:
                    cursor.execute(statement)
        if not dry_run:
            self.stdout.write(self.style.SUCCESS(f"Grants applied to {role}."))
