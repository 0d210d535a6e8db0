from dataclasses import dataclass

from audit.chain import GENESIS_HASH, event_hash, hashed_fields
from audit.models import AuditEvent


@dataclass(frozen=True)
class ChainReport:
    checked: int
    first_broken_id: int | None
    reason: str = ""

    @property
    def intact(self) -> bool:
        return self.first_broken_id is None


def audit_chain_verify(*, batch_size: int = 5000) -> ChainReport:
    """Walk the whole chain in id order; stop at the first broken event."""
    expected_previous = GENESIS_HASH
    checked = 0
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=batch_size):
        if event.previous_hash != expected_previous:
            return ChainReport(checked, event.pk, "previous hash does not match the event before it")
        if event_hash(previous_hash=event.previous_hash, fields=hashed_fields(event)) != event.hash:
            return ChainReport(checked, event.pk, "contents do not match the stored hash")
        expected_previous = event.hash
        checked += 1
    return ChainReport(checked, None)
