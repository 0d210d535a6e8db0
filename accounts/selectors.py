"""Reads for the account pages."""

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Prefetch
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AccountState, ApiToken
from agencies.models import Agency, Membership, Role
from audit.models import AuditEvent

User = get_user_model()


def people_for_agency(*, agency_id: int | None):
    """People with a membership in ``agency_id`` (all people when None), with
    the memberships shown to the manager prefetched."""
    memberships = Membership.objects.select_related("agency").order_by("agency__name", "id")
    people = User.objects.all()
    if agency_id is not None:
        people = people.filter(memberships__agency_id=agency_id).distinct()
        memberships = memberships.filter(agency_id=agency_id)
    return (
        people.annotate(
            has_second_factor=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)),
        )
        .prefetch_related(Prefetch("memberships", queryset=memberships, to_attr="shown_memberships"))
        .order_by("username")
    )


def memberships_shown(*, person, agency_id: int | None):
    memberships = Membership.objects.filter(user=person).select_related("agency").order_by("agency__name", "id")
    if agency_id is not None:
        memberships = memberships.filter(agency_id=agency_id)
    return list(memberships)


def tokens_for(*, user=None, agency_id: int | None = None, memberships=None):
    tokens = ApiToken.objects.select_related("membership__agency", "membership__user")
    if user is not None:
        tokens = tokens.filter(membership__user=user)
    if agency_id is not None:
        tokens = tokens.filter(membership__agency_id=agency_id)
    if memberships is not None:
        tokens = tokens.filter(membership__in=memberships)
    return list(tokens.order_by("-created_at", "-id")[:50])


def recent_sign_ins(*, user, limit: int = 10):
    """The person's recent sign-ins and second-factor checks, from the audit trail."""
    return list(
        AuditEvent.objects.filter(
            actor_id=user.pk,
            action__in=("auth.sign_in", "two_factor.verify", "two_factor.verify_failed", "auth.sign_out"),
        ).order_by("-id")[:limit]
    )


def last_sign_in(*, user):
    return AuditEvent.objects.filter(actor_id=user.pk, action="auth.sign_in").order_by("-id").first()


def account_state(*, user) -> AccountState:
    return AccountState.objects.filter(user=user).first() or AccountState(user=user)


def totp_devices(*, user):
    return list(TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id"))


def agencies_for_choice(*, agency_id: int | None):
    agencies = Agency.objects.filter(is_active=True)
    if agency_id is not None:
        agencies = agencies.filter(pk=agency_id)
    return agencies.order_by("name")


def token_for_revoker(*, request, token_id: int) -> ApiToken | None:
    """The token the request may revoke: its owner's own, an agency admin's
    agency's, or any for an administrator."""
    from accounts.access import is_administrator

    tokens = ApiToken.objects.select_related("membership")
    token = tokens.filter(pk=token_id).first()
    if token is None:
        return None
    if token.membership.user_id == request.user.pk:
        return token
    membership = getattr(request, "membership", None)
    if (
        membership is not None
        and membership.role == Role.AGENCY_ADMIN
        and token.membership.agency_id == membership.agency_id
    ):
        return token
    if membership is None and is_administrator(request.user):
        return token
    return None
