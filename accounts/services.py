"""Account, membership and token changes: every one audited in the same
transaction as the change.

Group membership follows the person's active memberships (the agency's group
is where grants on cases are held; no permission row is ever written for a
person). Ending sessions moves the person's ``sessions_valid_after`` boundary
and revokes their API tokens in the same transaction.
"""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from accounts import clock
from accounts.models import AccountState, ApiToken
from agencies.models import Agency, Membership
from audit.services import audit_record, client_ip

User = get_user_model()

TOKEN_PREFIX = "dpk_"
_TEMP_PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


class AccountError(Exception):
    """A change the rules refuse; the message is safe to show."""


def request_meta(request) -> dict:
    return {"ip_address": client_ip(request), "user_agent": request.META.get("HTTP_USER_AGENT", "")}


def _acting(acting: Membership | None) -> dict:
    if acting is None:
        return {"agency_id": None, "membership_id": None}
    return {"agency_id": acting.agency_id, "membership_id": acting.pk}


def _audit(action, *, actor_id, acting=None, request_meta=None, target_type="", target_id="", details=None):
    return audit_record(
        action=action,
        actor_id=actor_id,
        target_type=target_type,
        target_id=target_id,
        details=details,
        **_acting(acting),
        **(request_meta or {}),
    )


def _sync_agency_group(*, user, agency: Agency) -> None:
    in_agency = Membership.objects.filter(user=user, agency=agency, is_active=True).exists()
    if in_agency:
        user.groups.add(agency.group_id)
    else:
        user.groups.remove(agency.group_id)


def _temporary_password() -> str:
    groups = ["".join(secrets.choice(_TEMP_PASSWORD_ALPHABET) for _ in range(4)) for _ in range(4)]
    return "-".join(groups)


def _end_sessions_and_tokens(*, user, reason: str, revoked_by_id: int | None) -> int:
    """Every browser session of ``user`` ends on its next request; every
    active API token is revoked. Returns the number of tokens revoked."""
    now = clock.now()
    AccountState.objects.update_or_create(user=user, defaults={"sessions_valid_after": now})
    return ApiToken.objects.filter(membership__user=user, revoked_at__isnull=True).update(
        revoked_at=now, revoked_by_id=revoked_by_id, revoke_reason=reason
    )


# --- Memberships -------------------------------------------------------------


def membership_create(
    *,
    actor_id: int | None,
    user,
    agency: Agency,
    role: str,
    request_meta: dict | None = None,
    acting: Membership | None = None,
) -> Membership:
    with transaction.atomic():
        membership = Membership.objects.create(user=user, agency=agency, role=role)
        _sync_agency_group(user=user, agency=agency)
        _audit(
            "membership.create",
            actor_id=actor_id,
            acting=acting,
            request_meta=request_meta,
            target_type="membership",
            target_id=membership.pk,
            details={"user_id": user.pk, "agency_id": agency.pk, "role": role},
        )
    return membership


def membership_change_role(
    *,
    actor_id: int | None,
    membership: Membership,
    role: str,
    request_meta: dict | None = None,
    acting: Membership | None = None,
) -> Membership:
    with transaction.atomic():
        previous = membership.role
        membership.role = role
        membership.save(update_fields=["role"])
        _audit(
            "membership.role_change",
            actor_id=actor_id,
            acting=acting,
            request_meta=request_meta,
            target_type="membership",
            target_id=membership.pk,
            details={"user_id": membership.user_id, "agency_id": membership.agency_id, "from": previous, "to": role},
        )
    return membership


def membership_set_active(
    *,
    actor_id: int | None,
    membership: Membership,
    active: bool,
    request_meta: dict | None = None,
    acting: Membership | None = None,
) -> Membership:
    """Turn one membership off or on. Turning it off revokes the tokens that
    act through it; browser sessions lose it on their next request."""
    with transaction.atomic():
        membership.is_active = active
        membership.save(update_fields=["is_active"])
        _sync_agency_group(user=membership.user, agency=membership.agency)
        revoked = 0
        if not active:
            now = clock.now()
            revoked = (
                ApiToken.objects.active(now=now)
                .filter(membership=membership)
                .update(revoked_at=now, revoked_by_id=actor_id, revoke_reason="membership_deactivated")
            )
        _audit(
            "membership.reactivate" if active else "membership.deactivate",
            actor_id=actor_id,
            acting=acting,
            request_meta=request_meta,
            target_type="membership",
            target_id=membership.pk,
            details={"user_id": membership.user_id, "agency_id": membership.agency_id, "tokens_revoked": revoked},
        )
    return membership


# --- People --------------------------------------------------------------------


def person_create(
    *,
    actor,
    acting: Membership | None,
    agency: Agency,
    role: str,
    username: str,
    first_name: str,
    last_name: str,
    email: str = "",
    request_meta: dict | None = None,
) -> tuple:
    """A new account with one membership and a temporary password, shown once
    to the admin; the person sets up a second factor and a password of their
    own at first sign-in."""
    if User.objects.filter(username__iexact=username).exists():
        raise AccountError(_("That username is taken. Choose another one."))
    temporary = _temporary_password()
    with transaction.atomic():
        person = User(username=username, first_name=first_name, last_name=last_name, email=email)
        person.set_password(temporary)
        person.save()
        AccountState.objects.create(user=person, must_change_password=True)
        _audit(
            "account.create",
            actor_id=actor.pk,
            acting=acting,
            request_meta=request_meta,
            target_type="user",
            target_id=person.pk,
        )
        membership_create(
            actor_id=actor.pk, user=person, agency=agency, role=role, request_meta=request_meta, acting=acting
        )
    return person, temporary


def person_set_active(*, actor, acting, person, active: bool, request_meta: dict | None = None):
    """Deactivating an account ends all its sessions and tokens at once."""
    with transaction.atomic():
        person.is_active = active
        person.save(update_fields=["is_active"])
        revoked = 0
        if not active:
            revoked = _end_sessions_and_tokens(user=person, reason="account_deactivated", revoked_by_id=actor.pk)
        _audit(
            "account.reactivate" if active else "account.deactivate",
            actor_id=actor.pk,
            acting=acting,
            request_meta=request_meta,
            target_type="user",
            target_id=person.pk,
            details={"tokens_revoked": revoked},
        )
    return person


def person_password_reset(*, actor, acting, person, request_meta: dict | None = None) -> str:
    """A temporary password, shown once to the admin. The second factor stays:
    a password reset never bypasses it."""
    temporary = _temporary_password()
    with transaction.atomic():
        person.set_password(temporary)
        person.save(update_fields=["password"])
        AccountState.objects.update_or_create(user=person, defaults={"must_change_password": True})
        revoked = _end_sessions_and_tokens(user=person, reason="password_reset", revoked_by_id=actor.pk)
        _audit(
            "account.password_reset",
            actor_id=actor.pk,
            acting=acting,
            request_meta=request_meta,
            target_type="user",
            target_id=person.pk,
            details={"tokens_revoked": revoked},
        )
    return temporary


def person_two_factor_reset(*, actor, acting, person, request_meta: dict | None = None) -> None:
    """Remove every second-factor device; the person enrols again at next
    sign-in. Their sessions and tokens end."""
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    with transaction.atomic():
        totp_count, _ = TOTPDevice.objects.filter(user=person).delete()
        StaticDevice.objects.filter(user=person).delete()
        revoked = _end_sessions_and_tokens(user=person, reason="two_factor_reset", revoked_by_id=actor.pk)
        _audit(
            "two_factor.reset",
            actor_id=actor.pk,
            acting=acting,
            request_meta=request_meta,
            target_type="user",
            target_id=person.pk,
            details={"devices_removed": totp_count, "tokens_revoked": revoked},
        )


# --- One's own account -----------------------------------------------------------


def account_sign_out(*, user, acting=None, request_meta: dict | None = None) -> None:
    """Sign-out ends every session and token of the person, not only this one."""
    with transaction.atomic():
        revoked = _end_sessions_and_tokens(user=user, reason="signed_out", revoked_by_id=user.pk)
        _audit(
            "auth.sign_out",
            actor_id=user.pk,
            acting=acting,
            request_meta=request_meta,
            target_type="user",
            target_id=user.pk,
            details={"tokens_revoked": revoked},
        )


def account_password_change(*, user, new_password: str, acting=None, request_meta: dict | None = None):
    """Set a new password; every other session and every token ends (the
    caller keeps its own session with ``sessions.session_revalidate``).
    Returns the new boundary."""
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        AccountState.objects.update_or_create(
            user=user, defaults={"must_change_password": False, "password_changed_at": clock.now()}
        )
        revoked = _end_sessions_and_tokens(user=user, reason="password_change", revoked_by_id=user.pk)
        _audit(
            "auth.password_change",
            actor_id=user.pk,
            acting=acting,
            request_meta=request_meta,
            target_type="user",
            target_id=user.pk,
            details={"tokens_revoked": revoked},
        )
    return AccountState.objects.get(user=user).sessions_valid_after


# --- API tokens ----------------------------------------------------------------------


def token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def api_token_create(
    *, actor, membership: Membership, name: str, second_factor_verified: bool, request_meta: dict | None = None
) -> tuple[ApiToken, str]:
    """A token acting for ``membership``, for its own person only, and only
    from a session that passed the second factor. Returns the token and its
    secret; the secret is not stored and cannot be shown again."""
    if not second_factor_verified:
        raise AccountError(_("Creating an API token needs a verified second factor."))
    if membership.user_id != actor.pk or not membership.is_usable:
        raise AccountError(_("You can create tokens only for your own active memberships."))
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = clock.now()
    with transaction.atomic():
        token = ApiToken.objects.create(
            membership=membership,
            name=name,
            prefix=secret[:10],
            token_hash=token_hash(secret),
            created_at=now,
            expires_at=now + timedelta(days=settings.API_TOKEN_DAYS),
        )
        _audit(
            "api_token.create",
            actor_id=actor.pk,
            acting=membership,
            request_meta=request_meta,
            target_type="api_token",
            target_id=token.pk,
            details={"membership_id": membership.pk, "expires_at": token.expires_at.isoformat()},
        )
    return token, secret


def api_token_revoke(*, actor, acting, token: ApiToken, request_meta: dict | None = None) -> ApiToken:
    with transaction.atomic():
        now = clock.now()
        updated = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=now, revoked_by_id=actor.pk, revoke_reason="revoked"
        )
        if updated:
            _audit(
                "api_token.revoke",
                actor_id=actor.pk,
                acting=acting,
                request_meta=request_meta,
                target_type="api_token",
                target_id=token.pk,
                details={"membership_id": token.membership_id},
            )
    token.refresh_from_db()
    return token
