"""Attachments of a case: the one module that handles their bytes.

Who (checked by the gate, ``cases.selectors.case_get``):

- uploading needs ``CaseAction.CHANGE``: the owning agency's caseworkers and
  supervisors who see the case (the assigned caseworkers and the supervisors
  on a restricted one);
- listing and downloading need ``CaseAction.VIEW_FULL``: the owner or a *full*
  grant. Files (visum reports, photos of injuries, letters) show the person
  and the story, which a contact or limited grant does not see. A contact or
  limited grant asking for a file gets 403, like any forbidden action on a
  case it sees, and the gate refuses before the attachment is looked up, so
  the answer is the same whether the attachment exists or not.

What is kept:

- at most ``MAX_ATTACHMENT_BYTES`` (10 MB); the type is read from the content
  (``filetype``), never from the name or the browser's claim, and must be in
  ``ALLOWED_TYPES``: JPEG, PNG, WebP and PDF. Office files are refused: they
  carry author names and revision history we cannot strip, and may carry
  macros; a caseworker saves them as PDF. HTML, SVG and scripts never pass;
- images are decoded and drawn again by Pillow after the EXIF orientation is
  applied, so only pixels survive: no EXIF (GPS position, camera, time), XMP,
  IPTC, ICC profile or comment. A colour profile is first converted to sRGB
  so colours stay right. Animated images keep their first frame. PDFs are
  kept as sent;
- contents are encrypted with ``FIELD_ENCRYPTION_KEYS`` (MultiFernet, the key
  handling of ``cases.fields``) into ``PRIVATE_MEDIA_ROOT/attachments/`` under
  a random storage key; ``sha256`` is of the stored plaintext and is checked
  on every read. The original file name is encrypted in the row and never used
  in a path, a URL or a download name (that is register number + id + type).

Order of writes: the encrypted file is written first, then the row and its
audit entry in one transaction; if the transaction fails, the file is
removed. A storage failure therefore leaves no row, and a database failure
no file. Call ``attachment_add`` outside any outer transaction: a rollback of
an outer transaction after ours commits cannot remove the file.
"""

import contextlib
import hashlib
import io
import os
import re
import secrets
import struct
from dataclasses import dataclass
from pathlib import Path

import filetype
from cryptography.fernet import InvalidToken
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from agencies.models import Membership
from audit.services import audit_record
from cases.fields import FieldDecryptionError, _keys
from cases.grants import Access
from cases.models import Attachment, Case, CaseStatus
from cases.selectors import ACTION_MIN_ACCESS, CaseAction, case_get
from cases.services import CaseStateError, Origin
from cases.signals import send_case_changed_on_commit

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
# A 10 MB PNG can unpack to gigabytes; 50 megapixels covers phone cameras
# (48/50 MP sensors) and refuses decompression bombs before they are decoded.
MAX_IMAGE_PIXELS = 50_000_000
ATTACHMENT_DIR = "attachments"
UPLOAD_ACTION = CaseAction.CHANGE
DOWNLOAD_ACTION = CaseAction.VIEW_FULL
_STORAGE_KEY = re.compile(r"^[A-Za-z0-9_-]{40,80}$")
_SNIFF_BYTES = 8192
_MAX_NAME_LENGTH = 255


@dataclass(frozen=True)
class AllowedType:
    mime: str
    extension: str
    label: str
    pillow_format: str | None = None  # re-encoded with Pillow when set


ALLOWED_TYPES: dict[str, AllowedType] = {
    "image/jpeg": AllowedType("image/jpeg", "jpg", gettext_lazy("JPEG image"), "JPEG"),
    "image/png": AllowedType("image/png", "png", gettext_lazy("PNG image"), "PNG"),
    "image/webp": AllowedType("image/webp", "webp", gettext_lazy("WebP image"), "WEBP"),
    "application/pdf": AllowedType("application/pdf", "pdf", gettext_lazy("PDF document")),
}


def _size_limit_message() -> str:
    megabytes = MAX_ATTACHMENT_BYTES // (1024 * 1024)
    return _(
        "The file is larger than %(size)s MB. Make it smaller (for a photo, a lower resolution) and try again."
    ) % {"size": megabytes}


size_limit_message = lazy(_size_limit_message, str)


class AttachmentFileMissing(RuntimeError):
    """A stored attachment's file is gone or does not match its row."""


@dataclass(frozen=True)
class PreparedFile:
    """What will be stored: the cleaned plaintext and what is known of it."""

    content: bytes
    kind: AllowedType
    sha256: str


# --- Checking and cleaning ------------------------------------------------------


def _read_limited(upload) -> bytes:
    """The upload's bytes, refusing more than the limit without reading more
    than one byte past it."""
    if upload.size is not None and upload.size > MAX_ATTACHMENT_BYTES:
        raise ValidationError(size_limit_message(), code="too_large")
    upload.seek(0)
    data = upload.read(MAX_ATTACHMENT_BYTES + 1)
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise ValidationError(size_limit_message(), code="too_large")
    if not data:
        raise ValidationError(_("The file is empty."), code="empty")
    return data


def _refuse_type() -> ValidationError:
    return ValidationError(
        _("This type of file cannot be attached. Attach a photo (JPEG, PNG, WebP) or a PDF document."),
        code="type_not_allowed",
    )


def _upright(image: Image.Image) -> Image.Image:
    """The image turned as its EXIF orientation says. An EXIF block Pillow
    cannot parse says nothing usable: the pixels are kept as stored (the
    block itself is dropped with the rest)."""
    try:
        return ImageOps.exif_transpose(image)
    except (struct.error, SyntaxError, ValueError, KeyError, TypeError):
        return image.copy()


def _clean_image(data: bytes, kind: AllowedType) -> bytes:
    """Pixels only: decode, turn upright, convert to sRGB, encode again with
    an empty info dict (Pillow copies a JPEG comment, a PNG ICC profile and
    transparency from ``info`` unless it is empty)."""
    unreadable = ValidationError(_("The image could not be read. It may be damaged."), code="unreadable")
    try:
        with Image.open(io.BytesIO(data), formats=[kind.pillow_format]) as image:
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                raise ValidationError(
                    _("The image has too many pixels (at most %(megapixels)s megapixels).")
                    % {"megapixels": MAX_IMAGE_PIXELS // 1_000_000},
                    code="too_many_pixels",
                )
            image.load()
            upright = _upright(image)
            icc_profile = image.info.get("icc_profile")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise unreadable from None

    has_alpha = upright.mode in ("RGBA", "LA", "PA") or (upright.mode == "P" and "transparency" in upright.info)
    target_mode = "RGBA" if has_alpha and kind.pillow_format != "JPEG" else "RGB"
    if icc_profile and upright.mode in ("RGB", "RGBA", "CMYK"):
        # A broken profile: the pixels are kept as they are, without it.
        with contextlib.suppress(ImageCms.PyCMSError):
            upright = ImageCms.profileToProfile(
                upright,
                ImageCms.ImageCmsProfile(io.BytesIO(icc_profile)),
                ImageCms.createProfile("sRGB"),
                outputMode="RGBA" if upright.mode == "RGBA" else "RGB",
            )
    clean = upright.convert(target_mode)
    clean.info = {}
    output = io.BytesIO()
    if kind.pillow_format == "JPEG":
        clean.save(output, format="JPEG", quality=92, optimize=True)
    elif kind.pillow_format == "PNG":
        clean.save(output, format="PNG", optimize=True)
    else:
        clean.save(output, format="WEBP", quality=92)
    return output.getvalue()


def attachment_prepare(upload) -> PreparedFile:
    """Check size and type of an uploaded file and clean it; raises
    ``ValidationError`` with a message for the person who sent it."""
    data = _read_limited(upload)
    guessed = filetype.guess(data[:_SNIFF_BYTES])
    kind = ALLOWED_TYPES.get(guessed.mime) if guessed is not None else None
    if kind is None:
        raise _refuse_type()
    if kind.pillow_format:
        data = _clean_image(data, kind)
    return PreparedFile(content=data, kind=kind, sha256=hashlib.sha256(data).hexdigest())


# --- Storage --------------------------------------------------------------------


def attachment_directory() -> Path:
    return Path(settings.PRIVATE_MEDIA_ROOT) / ATTACHMENT_DIR


def storage_path(storage_key: str) -> Path:
    # The key comes from our own row, but a path is built only from a key of
    # the shape we make: nothing can climb out of the directory.
    if not _STORAGE_KEY.match(storage_key or ""):
        raise AttachmentFileMissing("An attachment row holds a malformed storage key.")
    return attachment_directory() / storage_key


def write_encrypted(path: Path, plaintext: bytes) -> None:
    """Encrypt under the newest key and replace ``path`` atomically (a crash
    leaves the old file or the new one, never half of one)."""
    token = _keys().encrypt(plaintext)
    directory = path.parent
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    partial = directory / f".{path.name}.{secrets.token_hex(4)}.part"
    try:
        # Created owner-only from the start (0600), never readable by others.
        with os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as handle:
            handle.write(token)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    # The rename is durable only once the directory entry is on disk.
    directory_fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(directory_fd)
    finally:
        os.close(directory_fd)


def read_decrypted(attachment: Attachment) -> bytes:
    """The plaintext of a stored attachment, checked against its sha256.
    Raises ``FieldDecryptionError`` when no configured key opens it and
    ``AttachmentFileMissing`` when the file is gone or altered."""
    path = storage_path(attachment.storage_key)
    try:
        token = path.read_bytes()
    except FileNotFoundError:
        raise AttachmentFileMissing(f"The file of attachment {attachment.pk} is missing.") from None
    try:
        plaintext = _keys().decrypt(token)
    except InvalidToken:
        raise FieldDecryptionError(
            "An attachment could not be decrypted with FIELD_ENCRYPTION_KEYS: wrong or missing key."
        ) from None
    if hashlib.sha256(plaintext).hexdigest() != attachment.sha256:
        raise AttachmentFileMissing(f"The file of attachment {attachment.pk} does not match its checksum.")
    return plaintext


def _new_storage_key() -> str:
    return secrets.token_urlsafe(32)


# --- Services -------------------------------------------------------------------


def _refuse_archived(case: Case) -> None:
    if case.status == CaseStatus.ARCHIVED:
        raise CaseStateError(_("An archived case is read-only; a supervisor may reopen it."))


def _original_name(upload) -> str:
    # Browsers may send a path ("C:\\fakepath\\…"); keep the last part only.
    name = (upload.name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    return name[:_MAX_NAME_LENGTH]


def attachment_add(*, actor: Membership, case_id: int, upload, origin: Origin | None = None) -> tuple[Attachment, bool]:
    """Attach an uploaded file to a case; (attachment, created).

    Passes the gate for ``UPLOAD_ACTION`` before reading the file and again
    inside the transaction, where the case row is locked (SELECT … FOR
    UPDATE) so that a double submit of the same file is seen: the second
    returns the first attachment with ``created`` False. Raises
    ``CaseNotVisible``, ``CaseActionForbidden``, ``CaseStateError`` (archived)
    and ``ValidationError`` (size, type, unreadable image).
    """
    case, _access = case_get(membership=actor, case_id=case_id, action=UPLOAD_ACTION)
    _refuse_archived(case)
    prepared = attachment_prepare(upload)
    storage_key = _new_storage_key()
    path = storage_path(storage_key)
    write_encrypted(path, prepared.content)
    keep_file = False
    try:
        with transaction.atomic():
            case_get(membership=actor, case_id=case_id, action=UPLOAD_ACTION)
            case = Case.objects.select_for_update().get(pk=case_id)
            _refuse_archived(case)
            existing = Attachment.objects.filter(case=case, sha256=prepared.sha256).order_by("id").first()
            if existing is not None:
                return existing, False
            attachment = Attachment.objects.create(
                case=case,
                original_name=_original_name(upload),
                content_type=prepared.kind.mime,
                size=len(prepared.content),
                sha256=prepared.sha256,
                storage_key=storage_key,
                uploaded_by=actor,
            )
            _audit(
                actor=actor,
                origin=origin,
                action="case.attachment_added",
                case_id=case.pk,
                details={"attachment_id": attachment.pk, "content_type": attachment.content_type},
            )
            keep_file = True
    finally:
        if not keep_file:
            path.unlink(missing_ok=True)
    send_case_changed_on_commit(case_id=case.pk, change="attachment_added")
    return attachment, True


@dataclass(frozen=True)
class Download:
    content: bytes
    content_type: str
    file_name: str


def attachment_download(
    *, actor: Membership, case_id: int, attachment_id: int, origin: Origin | None = None
) -> Download:
    """The decrypted file for ``actor``, audited (``case.attachment_downloaded``)
    in a transaction that must commit before the bytes are returned.

    Raises ``CaseNotVisible`` / ``CaseActionForbidden`` (gate, before the
    attachment is looked up) and ``Attachment.DoesNotExist`` for an id that is
    not an attachment of this case."""
    case, _access = case_get(membership=actor, case_id=case_id, action=DOWNLOAD_ACTION)
    attachment = Attachment.objects.get(case_id=case.pk, pk=attachment_id)
    content = read_decrypted(attachment)
    with transaction.atomic():
        _audit(
            actor=actor,
            origin=origin,
            action="case.attachment_downloaded",
            case_id=case.pk,
            details={"attachment_id": attachment.pk},
        )
    return Download(
        content=content, content_type=attachment.content_type, file_name=download_name(case=case, attachment=attachment)
    )


def download_name(*, case: Case, attachment: Attachment) -> str:
    """Register number, attachment id and the type's extension: nothing a
    person wrote (the original name may hold a victim's name)."""
    kind = ALLOWED_TYPES.get(attachment.content_type)
    extension = kind.extension if kind else "bin"
    return f"{case.register_number}-{attachment.pk}.{extension}"


def _audit(*, actor: Membership, origin: Origin | None, action: str, case_id: int, details: dict) -> None:
    origin = origin or Origin()
    audit_record(
        action=action,
        actor_id=actor.user_id,
        agency_id=actor.agency_id,
        membership_id=actor.pk,
        target_type="case",
        target_id=case_id,
        ip_address=origin.ip_address,
        user_agent=origin.user_agent,
        details=details,
    )


# --- Selectors ------------------------------------------------------------------


def may_upload(access: Access | None) -> bool:
    return access is not None and access >= ACTION_MIN_ACCESS[UPLOAD_ACTION]


def may_download(access: Access | None) -> bool:
    return access is not None and access >= ACTION_MIN_ACCESS[DOWNLOAD_ACTION]


def attachment_list(*, case: Case, access: Access | None) -> list[Attachment]:
    """The case's attachments, oldest first, with the uploader's agency, for a
    caller who passed the gate with ``access``; none below a full grant. Each
    carries ``kind`` (its ``AllowedType``). One query."""
    if not may_download(access):
        return []
    attachments = list(
        Attachment.objects.filter(case=case).select_related("uploaded_by__agency").order_by("created_at", "id")
    )
    for attachment in attachments:
        attachment.kind = ALLOWED_TYPES.get(attachment.content_type)
    return attachments
