"""Second factor: TOTP enrolment, verification and recovery codes.

Built on django-otp's devices. A TOTP code is single-use: TOTPDevice keeps
``last_t`` (the last accepted time step) and refuses any code of that step or
earlier, and verification locks the device row so two requests racing with the
same code cannot both pass. A recovery code (django-otp's static device) is
deleted when used.
"""

import re

import segno
from django.conf import settings
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.services import audit_record

RECOVERY_CODE_COUNT = 10
RECOVERY_DEVICE_NAME = "recovery"
_TOTP_RE = re.compile(r"^\d{6}$")


def needs_second_factor(user) -> bool:
    """Required for everyone, except in demo mode for people who have not set
    one up (a person who did set one up is always asked for it)."""
    return settings.TWO_FACTOR_REQUIRED or has_second_factor(user)


def has_second_factor(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def is_verified(user) -> bool:
    check = getattr(user, "is_verified", None)
    return bool(check and check())


def second_factor_satisfied(user) -> bool:
    return is_verified(user) or not needs_second_factor(user)


def _normalized_code(code: str) -> str:
    return re.sub(r"[\s-]", "", code or "").lower()


def totp_enrolment_start(*, user) -> TOTPDevice:
    """The unconfirmed device being set up (one at a time; a fresh key each start)."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)


def totp_enrolment_device(*, user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()


def qr_svg(device: TOTPDevice) -> str:
    """The enrolment QR code as inline SVG, drawn here (no remote service)."""
    qr = segno.make(device.config_url, error="m")
    return qr.svg_inline(scale=5, border=2, svgclass="qr-code", lineclass="qr-code__modules", title="QR")


def manual_key(device: TOTPDevice) -> str:
    from base64 import b32encode

    key = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def _new_recovery_codes(user) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def totp_enrolment_confirm(*, user, device: TOTPDevice, code: str, request_meta: dict) -> list[str] | None:
    """Confirm the device with a code from the app. Returns the new recovery
    codes (shown once), or None when the code is wrong."""
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(pk=device.pk, user=user, confirmed=False).first()
        code = _normalized_code(code)
        if device is None or not _TOTP_RE.match(code) or not device.verify_token(code):
            audit_record(
                action="two_factor.enrol_failed",
                actor_id=user.pk,
                target_type="user",
                target_id=user.pk,
                **request_meta,
            )
            return None
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        codes = _new_recovery_codes(user)
        audit_record(
            action="two_factor.enrol",
            actor_id=user.pk,
            target_type="user",
            target_id=user.pk,
            details={"device_id": device.pk, "recovery_codes": len(codes)},
            **request_meta,
        )
    return codes


def recovery_codes_regenerate(*, user, request_meta: dict) -> list[str]:
    with transaction.atomic():
        codes = _new_recovery_codes(user)
        audit_record(
            action="two_factor.recovery_codes",
            actor_id=user.pk,
            target_type="user",
            target_id=user.pk,
            details={"recovery_codes": len(codes)},
            **request_meta,
        )
    return codes


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def second_factor_verify(*, user, code: str, request_meta: dict):
    """The device that accepts ``code`` (TOTP, or a recovery code that is then
    used up), or None. Audited either way."""
    code = _normalized_code(code)
    with transaction.atomic():
        if _TOTP_RE.match(code):
            devices = list(TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True))
            kind = "totp"
        else:
            devices = list(StaticDevice.objects.select_for_update().filter(user=user, confirmed=True))
            kind = "recovery"
        accepted = next((device for device in devices if device.verify_token(code)), None) if code else None
        details = {"method": kind}
        if accepted is not None and kind == "recovery":
            details["recovery_codes_left"] = recovery_codes_left(user)
        audit_record(
            action="two_factor.verify" if accepted else "two_factor.verify_failed",
            actor_id=user.pk,
            target_type="user",
            target_id=user.pk,
            details=details,
            **request_meta,
        )
    return accepted
