"""Re-encrypt every encrypted case field under the newest key, in batches.

Put the new key first in FIELD_ENCRYPTION_KEYS (keep the old ones after it),
run this, then drop the old keys. Resumable: progress is recorded per table
and per newest key after each batch, so a stopped run continues where it
stopped. Prints counts only, never values.
"""

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from cases.fields import EncryptedTextField, primary_key_fingerprint, rotate_token
from cases.models import ReencryptionProgress


def encrypted_models():
    for model in apps.get_app_config("cases").get_models():
        fields = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        if fields:
            yield model, fields


class Command(BaseCommand):
    help = "Re-encrypt case data under the newest FIELD_ENCRYPTION_KEYS key (resumable, in batches)."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=1000)
        parser.add_argument("--restart", action="store_true", help="Start over for the current key.")

    def handle(self, *args, batch_size: int, restart: bool, **options):
        fingerprint = primary_key_fingerprint()
        for model, fields in encrypted_models():
            label = model._meta.label
            progress, _created = ReencryptionProgress.objects.get_or_create(
                model_label=label, key_fingerprint=fingerprint
            )
            if restart:
                progress.last_pk, progress.finished = 0, False
                progress.save()
            if progress.finished:
                self.stdout.write(f"{label}: already done under this key.")
                continue
            done = self._rotate(model, fields, progress, batch_size)
            self.stdout.write(f"{label}: {done} rows re-encrypted.")

    def _rotate(self, model, fields, progress, batch_size: int) -> int:
        columns = [f.column for f in fields]
        table = model._meta.db_table
        pk_column = model._meta.pk.column
        done = 0
        while True:
            with transaction.atomic():
                # Raw tokens, not decrypted values: rotate() re-encrypts under
                # the newest key whatever key made the token.
                rows = list(
                    model.objects.filter(pk__gt=progress.last_pk)
                    .order_by("pk")
                    .select_for_update()
                    .values_list("pk", flat=True)[:batch_size]
                )
                if not rows:
                    progress.finished = True
                    progress.save(update_fields=["finished"])
                    return done
                from django.db import connection

                quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
                placeholders = ", ".join(["%s"] * len(rows))
                with connection.cursor() as cursor:
                    cursor.execute(
                        f"SELECT {connection.ops.quote_name(pk_column)}, {quoted} FROM "  # noqa: S608
                        f"{connection.ops.quote_name(table)} WHERE {connection.ops.quote_name(pk_column)} "
                        f"IN ({placeholders})",
                        rows,
                    )
                    fetched = cursor.fetchall()
                    assignments = ", ".join(f"{connection.ops.quote_name(c)} = %s" for c in columns)
                    cursor.executemany(
                        f"UPDATE {connection.ops.quote_name(table)} SET {assignments} "  # noqa: S608
                        f"WHERE {connection.ops.quote_name(pk_column)} = %s",
                        [[rotate_token(v) if v else v for v in row[1:]] + [row[0]] for row in fetched],
                    )
                progress.last_pk = rows[-1]
                progress.save(update_fields=["last_pk"])
                done += len(rows)
