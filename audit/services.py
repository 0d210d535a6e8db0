"""Recording audit events: the one function every app calls."""

import ipaddress
import json

from django.db import connection, transaction
from django.utils import timezone

from audit.chain import GENESIS_HASH, event_hash, hashed_fields
from audit.models import AuditEvent

# Any constant: the advisory lock that serializes appends to the chain.
_CHAIN_LOCK_ID = 7_276_001


class AuditDetailsError(ValueError):
    pass


def _clean_details(details: dict | None) -> dict:
    """Details hold ids, codes and counts. Free text is refused: it is where a
    name or a story would leak into a table that is kept forever."""
    details = details or {}
    for key, value in details.items():
        if isinstance(value, str) and len(value) > 80:
            raise AuditDetailsError(f"Audit detail {key!r} is too long to be a code or an id.")
    return json.loads(json.dumps(details, default=str))


def _normalized_ip(ip: str | None) -> str | None:
    if not ip:
        return None
    try:
        return str(ipaddress.ip_address(ip))
    except ValueError:
        return None


def audit_record(
    *,
    action: str,
    actor_id: int | None = None,
    agency_id: int | None = None,
    membership_id: int | None = None,
    target_type: str = "",
    target_id: int | str = "",
    ip_address: str | None = None,
    user_agent: str = "",
    details: dict | None = None,
) -> AuditEvent:
    """Append one event to the chain, in the caller's transaction.

    Call it inside the transaction of the change or read it records: if this
    write fails, the caller's transaction fails with it and no data is
    returned. Takes a transaction-scoped advisory lock on PostgreSQL (SQLite's
    immediate transactions already serialize writers) so the chain cannot fork.
    """
    cleaned_details = _clean_details(details)
    with transaction.atomic(savepoint=False):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_ID])
        previous_hash = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first() or GENESIS_HASH
        event = AuditEvent(
            occurred_at=timezone.now(),
            actor_id=actor_id,
            agency_id=agency_id,
            membership_id=membership_id,
            action=action,
            target_type=target_type,
            target_id=str(target_id) if target_id != "" else "",
            ip_address=_normalized_ip(ip_address),
            user_agent=(user_agent or "")[:300],
            details=cleaned_details,
            previous_hash=previous_hash,
        )
        event.hash = event_hash(previous_hash=previous_hash, fields=hashed_fields(event))
        event.save(force_insert=True)
        return event


def client_ip(request) -> str | None:
    # Behind the compose proxy REMOTE_ADDR is the proxy; the deployment sets
    # TRUSTED_PROXY_HEADER only when a proxy it controls sets that header.
    return request.META.get("REMOTE_ADDR")


def audit_request(request, *, action: str, target_type: str = "", target_id="", details: dict | None = None):
    """Record an event for what ``request``'s user did, acting for its membership."""
    user = getattr(request, "user", None)
    membership = getattr(request, "membership", None)
    return audit_record(
        action=action,
        actor_id=user.pk if user is not None and user.is_authenticated else None,
        agency_id=membership.agency_id if membership is not None else None,
        membership_id=membership.pk if membership is not None else None,
        target_type=target_type,
        target_id=target_id,
        ip_address=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
        details=details,
    )
