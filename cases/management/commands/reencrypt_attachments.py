"""Re-encrypt every attachment file under the newest key, in batches.

The companion of ``reencrypt_cases`` (which handles the encrypted columns,
including the attachments' original names): put the new key first in
FIELD_ENCRYPTION_KEYS (keep the old ones after it), run both, then drop the
old keys. Each file is decrypted, checked against its sha256 and written
again under the newest key, replacing the old file atomically, so a stopped
run leaves every file readable. Resumable: progress is recorded per newest
key after each batch. Prints counts and attachment ids only, never names.
"""

from django.core.management.base import BaseCommand, CommandError

from cases.attachments import AttachmentFileMissing, read_decrypted, storage_path, write_encrypted
from cases.fields import primary_key_fingerprint
from cases.models import Attachment, ReencryptionProgress

# Progress rows share ReencryptionProgress with reencrypt_cases; this label
# cannot collide with a model label (those have no "#").
PROGRESS_LABEL = "cases.Attachment#contents"


class Command(BaseCommand):
    help = "Re-encrypt attachment files under the newest FIELD_ENCRYPTION_KEYS key (resumable, in batches)."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=100)
        parser.add_argument("--restart", action="store_true", help="Start over for the current key.")

    def handle(self, *args, batch_size: int, restart: bool, **options):
        progress, _created = ReencryptionProgress.objects.get_or_create(
            model_label=PROGRESS_LABEL, key_fingerprint=primary_key_fingerprint()
        )
        if restart:
            progress.last_pk, progress.finished = 0, False
            progress.save()
        if progress.finished:
            self.stdout.write("Attachments: already done under this key.")
            return
        done, missing = 0, []
        while True:
            batch = list(
                Attachment.objects.filter(pk__gt=progress.last_pk)
                .order_by("pk")
                .only("pk", "storage_key", "sha256")[:batch_size]
            )
            if not batch:
                break
            for attachment in batch:
                try:
                    plaintext = read_decrypted(attachment)
                except AttachmentFileMissing:
                    missing.append(attachment.pk)
                    continue
                write_encrypted(storage_path(attachment.storage_key), plaintext)
                done += 1
            progress.last_pk = batch[-1].pk
            progress.save(update_fields=["last_pk"])
        progress.finished = True
        progress.save(update_fields=["finished"])
        self.stdout.write(f"Attachments: {done} files re-encrypted.")
        if missing:
            raise CommandError(
                f"{len(missing)} attachment files are missing or do not match their checksum: ids {missing}"
            )
