"""Attachment pages: upload (POST) and download (GET). Thin: the rules live
in ``cases.attachments``.

Both go through the gate before anything else: a case the acting membership
may not see answers 404 and the attempt is audited (``case.access_denied``);
a forbidden action on a visible case answers 403; a caller acting for no
membership (a superuser without one) gets 403, audited too.

The upload keeps the file in memory only (``_AttachmentUploadHandler``):
Django would otherwise spill files over 2.5 MB to a temporary file, which
would be plaintext about a person on disk. The handler stops keeping bytes at
the limit, and a request whose declared length is over it is refused before
its body is read.
"""

import io
from functools import wraps

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from audit.services import audit_request
from cases import attachments
from cases.models import Attachment
from cases.selectors import CaseActionForbidden, CaseNotVisible, case_get
from cases.services import CaseStateError, Origin

FILE_FIELD = "file"
# Room for the multipart framing and the CSRF token around the file.
_FORM_OVERHEAD_BYTES = 64 * 1024
# A download is never rendered by the browser: no script, no plugin, no
# frame, and a sandbox in case a browser shows it anyway.
DOWNLOAD_CSP = "default-src 'none'; sandbox; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy(
            "A photo (JPEG, PNG, WebP) or a PDF document, at most 10 MB. "
            "Location and camera data are removed from photos."
        ),
        allow_empty_file=False,
        error_messages={
            "required": gettext_lazy("Choose a file to attach."),
            "empty": gettext_lazy("The file is empty."),
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs["accept"] = ",".join(attachments.ALLOWED_TYPES)


class _AttachmentUploadHandler(FileUploadHandler):
    """Keeps the one ``file`` field in memory, up to one byte over the limit
    (so the service can tell the person it was too big), and skips any other
    file field."""

    def new_file(self, field_name, *args, **kwargs):
        super().new_file(field_name, *args, **kwargs)
        if field_name != FILE_FIELD:
            raise SkipFile
        self.buffer = io.BytesIO()
        self.kept = 0

    def receive_data_chunk(self, raw_data, start):
        room = attachments.MAX_ATTACHMENT_BYTES + 1 - self.kept
        if room > 0:
            self.buffer.write(raw_data[:room])
            self.kept += min(room, len(raw_data))
        return None

    def file_complete(self, file_size):
        self.buffer.seek(0)
        return InMemoryUploadedFile(
            file=self.buffer,
            field_name=self.field_name,
            name=self.file_name,
            content_type=self.content_type,
            size=file_size,
            charset=self.charset,
            content_type_extra=self.content_type_extra,
        )


def _case_route(view):
    """Signed in, acting for a membership, through the gate: 404 and an audit
    entry for a case the caller may not see, 403 for a forbidden action."""

    @wraps(view)
    def wrapper(request, case_id: int, **kwargs):
        if getattr(request, "membership", None) is None:
            _audit_denied(request, case_id, reason="no_membership")
            return render(request, "agencies/no_membership.html", status=403)
        try:
            return view(request, case_id=case_id, **kwargs)
        except CaseNotVisible:
            _audit_denied(request, case_id, reason="not_visible")
            raise Http404 from None
        except CaseActionForbidden:
            raise PermissionDenied from None

    return login_required(wrapper)


def _audit_denied(request, case_id: int, *, reason: str) -> None:
    with transaction.atomic():
        audit_request(
            request,
            action="case.access_denied",
            target_type="case",
            target_id=case_id,
            details={
                "route": request.resolver_match.url_name if request.resolver_match else "",
                "method": request.method,
                "reason": reason,
            },
        )


@csrf_exempt  # the upload handlers must be set before the CSRF check reads the body; checked in _upload
@require_POST
@_case_route
def attachment_upload(request, case_id: int):
    case, _access = case_get(membership=request.membership, case_id=case_id, action=attachments.UPLOAD_ACTION)
    declared = _declared_length(request)
    if declared > attachments.MAX_ATTACHMENT_BYTES + _FORM_OVERHEAD_BYTES:
        # Refused before the body is read; nothing changes, so no CSRF check is needed.
        form = AttachmentForm(data={}, files={})
        form.full_clean()
        # The body was never read, so the field's own error ("choose a file") is replaced.
        form.errors[FILE_FIELD] = form.error_class([attachments.size_limit_message()])
        return _render_form(request, case, form)
    request.upload_handlers = [_AttachmentUploadHandler(request)]
    return _upload(request, case)


def _declared_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


@csrf_protect
def _upload(request, case):
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render_form(request, case, form)
    try:
        _attachment, created = attachments.attachment_add(
            actor=request.membership, case_id=case.pk, upload=form.cleaned_data[FILE_FIELD], origin=Origin.of(request)
        )
    except ValidationError as error:
        form.add_error(FILE_FIELD, error.messages)
        return _render_form(request, case, form)
    except CaseStateError as error:
        form.add_error(None, error.message)
        return _render_form(request, case, form)
    if created:
        messages.success(request, _("The file was attached."))
    else:
        messages.info(request, _("This file is already attached to the case; it was not added again."))
    return redirect("cases:detail", case_id=case.pk)


def _render_form(request, case, form):
    # 200 like every form shown again with its errors (the browser treats a
    # 4xx page as a failed load).
    return render(request, "cases/attachment_upload.html", {"case": case, "form": form})


@require_GET
@_case_route
def attachment_download(request, case_id: int, attachment_id: int):
    try:
        download = attachments.attachment_download(
            actor=request.membership, case_id=case_id, attachment_id=attachment_id, origin=Origin.of(request)
        )
    except Attachment.DoesNotExist:
        raise Http404 from None
    response = HttpResponse(download.content, content_type=download.content_type)
    response["Content-Disposition"] = f'attachment; filename="{download.file_name}"'
    response["Content-Length"] = str(len(download.content))
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = DOWNLOAD_CSP
    response["Cache-Control"] = "no-store, private"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response
