"""Attachment pages in the page isolation matrix.

Upload is the owner's (``CaseAction.CHANGE``): a limited grant sees the case
and gets 403. Download needs a full grant or ownership: the limited grant
gets 403 too (a visible case, a forbidden action). Outsiders get 404 and the
attempt is audited; callers acting for no membership 403."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests.cases.page_matrix import PageRow


def _photo(name: str = "foto.jpg") -> SimpleUploadedFile:
    output = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(output, "JPEG")
    return SimpleUploadedFile(name, output.getvalue(), content_type="image/jpeg")


def _attachment_kwargs(world) -> dict:
    from cases.attachments import attachment_add

    attachment, _created = attachment_add(actor=world["owner_caseworker"], case_id=world["case"].pk, upload=_photo())
    return {"case_id": world["case"].pk, "attachment_id": attachment.pk}


ROWS: list[PageRow] = [
    PageRow(
        name="cases:attachment_upload",
        method="POST",
        expected={"owner_caseworker": 302, "owner_supervisor": 302, "limited_grant": 403},
        body=lambda world: {"file": _photo()},
    ),
    PageRow(
        name="cases:attachment_download",
        method="GET",
        expected={"owner_caseworker": 200, "owner_supervisor": 200, "limited_grant": 403},
        kwargs=_attachment_kwargs,
    ),
]
