"""The hash chain: what is hashed, and how."""

import hashlib
import json
from datetime import UTC

GENESIS_HASH = "0" * 64


def event_hash(*, previous_hash: str, fields: dict) -> str:
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=True)
    return hashlib.sha256(f"{previous_hash}|{canonical}".encode()).hexdigest()


def hashed_fields(event) -> dict:
    """The fields the hash covers, read the same way at write and at verify.

    Not the id: it is assigned by the insert. The order is held by each event
    naming the hash of the one before it.
    """
    return {
        "occurred_at": event.occurred_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor_id": event.actor_id,
        "agency_id": event.agency_id,
        "membership_id": event.membership_id,
        "action": event.action,
        "target_type": event.target_type,
        "target_id": event.target_id,
        "ip_address": event.ip_address,
        "user_agent": event.user_agent,
        "details": event.details,
    }
