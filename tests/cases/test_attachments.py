"""Attachments: what is stored (cleaned, encrypted, outside the web root),
who may upload and download (through the gate, audited), and that a key
rotation keeps every file readable."""

import io
from pathlib import Path

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.template.loader import render_to_string
from django.test import RequestFactory, override_settings
from django.urls import reverse
from PIL import ExifTags, Image, ImageCms

from audit.models import AuditEvent
from cases import attachments, grants
from cases.attachments import MAX_ATTACHMENT_BYTES, attachment_add, attachment_list, read_decrypted
from cases.fields import FieldDecryptionError
from cases.models import Attachment, CaseStatus
from cases.selectors import CaseActionForbidden, CaseNotVisible
from cases.services import CaseStateError
from tests.conftest import sign_in
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db

SECRET_NAME = "visum_Siti_Rahasia.jpg"
OLD_KEY = "mSs1g0m7rUuGmWbm3g2FzpG4m3lFpbv7wCdgUytNw-k="  # the test settings' key


@pytest.fixture(autouse=True)
def english_pages(client, settings):
    """The pages in English, so the tests read the messages as written in code
    (Indonesian, the default, is checked by the i18n tests)."""
    from django.utils import translation

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return settings.PRIVATE_MEDIA_ROOT


def jpeg_with_gps(color="red", size=(40, 20)) -> bytes:
    """A photo as a phone makes it: rotated by EXIF, with GPS, a camera make,
    a comment, an ICC profile and XMP."""
    image = Image.new("RGB", size, color)
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # turn 90° clockwise to show upright
    exif[ExifTags.Base.Make] = "KameraRahasia"
    exif.get_ifd(ExifTags.IFD.GPSInfo).update({1: "S", 2: (6.0, 24.0, 0.0), 3: "E", 4: (106.0, 49.0, 0.0)})
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:Description>LokasiRahasia</rdf:Description></x:xmpmeta>'
    output = io.BytesIO()
    image.save(output, "JPEG", exif=exif, comment=b"KomentarRahasia", icc_profile=icc, xmp=xmp)
    return output.getvalue()


def png_bytes(color=(0, 128, 0, 100), mode="RGBA") -> bytes:
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "NamaRahasia")
    output = io.BytesIO()
    Image.new(mode, (10, 10), color).save(output, "PNG", pnginfo=info)
    return output.getvalue()


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def upload(content: bytes, name: str = SECRET_NAME, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def upload_url(case) -> str:
    return reverse("cases:attachment_upload", kwargs={"case_id": case.pk})


def download_url(attachment) -> str:
    return reverse("cases:attachment_download", kwargs={"case_id": attachment.case_id, "attachment_id": attachment.pk})


def stored_files(root: Path) -> list[Path]:
    directory = root / "attachments"
    return sorted(directory.iterdir()) if directory.exists() else []


def events(action: str, **filters):
    return AuditEvent.objects.filter(action=action, **filters)


# --- Upload: what is stored ------------------------------------------------------


def test_a_jpeg_with_gps_has_no_metadata_after_upload_and_stays_upright(client, case, alice, private_root):
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the photo did have GPS
    sign_in(client, alice.user, membership=alice)
    response = client.post(upload_url(case), {"file": upload(original)})
    assert response.status_code == 302
    attachment = Attachment.objects.get(case=case)
    [path] = stored_files(private_root)
    assert path.name == attachment.storage_key
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700
    token = path.read_bytes()
    plaintext = Fernet(OLD_KEY).decrypt(token)
    stored = Image.open(io.BytesIO(plaintext))
    assert stored.format == "JPEG"
    assert dict(stored.getexif()) == {}
    assert stored.getexif().get_ifd(ExifTags.IFD.GPSInfo) == {}
    for key in ("exif", "icc_profile", "comment", "xmp", "XML:com.adobe.xmp"):
        assert key not in stored.info
    for secret in (b"KameraRahasia", b"KomentarRahasia", b"LokasiRahasia", b"Exif"):
        assert secret not in plaintext
    # Orientation 6 was applied before the EXIF went: 40×20 is shown 20×40.
    assert stored.size == (20, 40)
    assert attachment.content_type == "image/jpeg"
    assert attachment.size == len(plaintext)
    assert read_decrypted(attachment) == plaintext


def test_a_png_keeps_its_transparency_and_loses_its_text(alice, case, private_root):
    attachment, _created = attachment_add(actor=alice, case_id=case.pk, upload=upload(png_bytes(), "a.png"))
    plaintext = read_decrypted(attachment)
    stored = Image.open(io.BytesIO(plaintext))
    assert stored.format == "PNG"
    assert stored.mode == "RGBA"
    assert stored.getpixel((0, 0))[3] == 100
    assert b"NamaRahasia" not in plaintext
    assert "Author" not in stored.info


def _gps_exif() -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "KameraRahasia"
    exif.get_ifd(ExifTags.IFD.GPSInfo).update({1: "S", 2: (6.0, 24.0, 0.0)})
    return exif


def test_a_webp_is_accepted_and_cleaned(alice, case):
    output = io.BytesIO()
    Image.new("RGB", (12, 12), "blue").save(output, "WEBP", exif=_gps_exif())
    assert b"KameraRahasia" in output.getvalue()
    attachment, _created = attachment_add(actor=alice, case_id=case.pk, upload=upload(output.getvalue(), "x.webp"))
    plaintext = read_decrypted(attachment)
    stored = Image.open(io.BytesIO(plaintext))
    assert (attachment.content_type, stored.format) == ("image/webp", "WEBP")
    assert "exif" not in stored.info
    assert b"KameraRahasia" not in plaintext


def test_a_photo_with_a_broken_exif_block_is_kept_without_it(alice, case):
    output = io.BytesIO()
    Image.new("RGB", (12, 6), "blue").save(output, "JPEG", exif=b"Exif\x00\x00II*\x00")
    attachment, _created = attachment_add(actor=alice, case_id=case.pk, upload=upload(output.getvalue()))
    stored = Image.open(io.BytesIO(read_decrypted(attachment)))
    assert stored.size == (12, 6)
    assert "exif" not in stored.info


def test_the_raw_stored_bytes_are_not_the_plaintext(alice, case, private_root):
    attachment, _created = attachment_add(
        actor=alice, case_id=case.pk, upload=upload(PDF, "BAP Siti Rahasia.pdf", "application/pdf")
    )
    [path] = stored_files(private_root)
    raw = path.read_bytes()
    assert PDF not in raw
    assert b"%PDF" not in raw
    assert read_decrypted(attachment) == PDF  # a PDF is kept as sent
    # The original name is ciphertext in the row and nowhere in the path.
    assert "Rahasia" not in str(path)
    with connection.cursor() as cursor:
        cursor.execute("SELECT original_name FROM cases_attachment WHERE id = %s", [attachment.pk])
        assert "Rahasia" not in cursor.fetchone()[0]
    assert Attachment.objects.get(pk=attachment.pk).original_name == "BAP Siti Rahasia.pdf"
    assert len(attachment.storage_key) >= 40


def test_the_files_are_outside_the_web_root():
    from depok_cases import test_settings as configured  # not the fixture's override

    root = Path(configured.PRIVATE_MEDIA_ROOT).resolve()
    for public in (configured.STATIC_ROOT, configured.BASE_DIR / "static"):
        assert not root.is_relative_to(Path(public).resolve())


def test_the_browsers_path_is_dropped_from_the_original_name(alice, case):
    attachment, _created = attachment_add(
        actor=alice, case_id=case.pk, upload=upload(PDF, "C:\\fakepath\\surat.pdf", "application/pdf")
    )
    assert Attachment.objects.get(pk=attachment.pk).original_name == "surat.pdf"


# --- Upload: what is refused -------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "name", "claimed"),
    [
        pytest.param(
            b"<!DOCTYPE html><html><script>alert(1)</script></html>", "foto.jpg", "image/jpeg", id="html-as-jpg"
        ),
        pytest.param(
            b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "gambar.svg",
            "image/svg+xml",
            id="svg",
        ),
        pytest.param(b'<svg xmlns="http://www.w3.org/2000/svg"></svg>', "foto.png", "image/png", id="svg-as-png"),
        pytest.param(b"#!/bin/sh\nrm -rf /\n", "script.pdf", "application/pdf", id="script"),
        pytest.param(b"PK\x03\x04" + b"\x00" * 100, "surat.docx", "application/zip", id="zip"),
        pytest.param(b"GIF89a" + b"\x00" * 100, "a.gif", "image/gif", id="gif"),
    ],
)
def test_a_file_of_a_refused_type_is_refused_with_a_message(client, case, alice, private_root, content, name, claimed):
    sign_in(client, alice.user, membership=alice)
    response = client.post(upload_url(case), {"file": upload(content, name, claimed)})
    assert response.status_code == 200
    assert "This type of file cannot be attached" in response.content.decode()
    assert b"<script>alert" not in response.content
    assert not Attachment.objects.exists()
    assert stored_files(private_root) == []
    assert not events("case.attachment_added").exists()


def test_a_jpeg_header_on_garbage_is_refused_as_unreadable(alice, case, private_root):
    with pytest.raises(Exception) as refused:
        attachment_add(actor=alice, case_id=case.pk, upload=upload(b"\xff\xd8\xff\xe0" + b"<html>" * 50))
    assert "could not be read" in " ".join(refused.value.messages)
    assert stored_files(private_root) == []


def test_a_file_over_10_mb_is_refused_before_its_body_is_read(client, case, alice, private_root):
    sign_in(client, alice.user, membership=alice)
    big = upload(b"%PDF-1.4\n" + b"0" * (MAX_ATTACHMENT_BYTES + 200 * 1024), "besar.pdf", "application/pdf")
    response = client.post(upload_url(case), {"file": big})
    assert response.status_code == 200
    assert "larger than 10 MB" in response.content.decode()
    assert not Attachment.objects.exists()
    assert stored_files(private_root) == []


def test_a_file_one_byte_over_10_mb_is_refused_with_the_message(client, case, alice, private_root):
    sign_in(client, alice.user, membership=alice)
    content = b"%PDF-1.4\n" + b"0" * (MAX_ATTACHMENT_BYTES - 8)
    assert len(content) == MAX_ATTACHMENT_BYTES + 1
    response = client.post(upload_url(case), {"file": upload(content, "besar.pdf", "application/pdf")})
    assert response.status_code == 200
    assert "larger than 10 MB" in response.content.decode()
    assert not Attachment.objects.exists()


def test_a_file_of_exactly_10_mb_is_accepted(alice, case):
    content = b"%PDF-1.4\n" + b"0" * (MAX_ATTACHMENT_BYTES - 9)
    attachment, created = attachment_add(actor=alice, case_id=case.pk, upload=upload(content, "a.pdf"))
    assert created and attachment.size == MAX_ATTACHMENT_BYTES


def test_the_upload_handler_keeps_at_most_one_byte_over_the_limit():
    from cases.views_attachments import _AttachmentUploadHandler

    handler = _AttachmentUploadHandler(RequestFactory().post("/"))
    handler.new_file("file", "a.pdf", "application/pdf", None)
    chunk = b"0" * (1024 * 1024)
    for start in range(0, 12 * len(chunk), len(chunk)):
        handler.receive_data_chunk(chunk, start)
    kept = handler.file_complete(12 * len(chunk))
    assert len(kept.read()) == MAX_ATTACHMENT_BYTES + 1
    assert kept.size == 12 * len(chunk)


def test_a_large_upload_stays_in_memory_never_in_a_temporary_file(client, case, alice, monkeypatch):
    # Django spills uploads over FILE_UPLOAD_MAX_MEMORY_SIZE (2.5 MB) to a
    # temporary file: plaintext about a person on disk. The view must not.
    from django.core.files.uploadedfile import InMemoryUploadedFile

    seen = []
    real_add = attachments.attachment_add

    def spy(**kwargs):
        seen.append(type(kwargs["upload"]))
        return real_add(**kwargs)

    monkeypatch.setattr(attachments, "attachment_add", spy)
    sign_in(client, alice.user, membership=alice)
    content = b"%PDF-1.4\n" + b"0" * (4 * 1024 * 1024)
    assert client.post(upload_url(case), {"file": upload(content, "a.pdf")}).status_code == 302
    assert seen == [InMemoryUploadedFile]


def test_an_image_with_too_many_pixels_is_refused(alice, case):
    output = io.BytesIO()
    Image.new("1", (8000, 7000)).save(output, "PNG")
    with pytest.raises(Exception) as refused:
        attachment_add(actor=alice, case_id=case.pk, upload=upload(output.getvalue(), "besar.png"))
    assert "too many pixels" in " ".join(refused.value.messages)


def test_no_file_chosen_says_so(client, case, alice):
    sign_in(client, alice.user, membership=alice)
    response = client.post(upload_url(case), {})
    assert response.status_code == 200
    assert "Choose a file to attach." in response.content.decode()


def test_the_error_page_is_in_indonesian_by_default(client, case, alice):
    sign_in(client, alice.user, membership=alice)
    response = client.post(upload_url(case), {"file": upload(b"<html></html>", "a.jpg")}, HTTP_ACCEPT_LANGUAGE="id")
    assert response.status_code == 200
    assert 'lang="id"' in response.content.decode()


# --- Upload: who, twice, and failures ---------------------------------------------------


def test_a_double_submit_makes_one_attachment(client, case, alice, private_root):
    sign_in(client, alice.user, membership=alice)
    photo = jpeg_with_gps("green")
    first = client.post(upload_url(case), {"file": upload(photo)})
    second = client.post(upload_url(case), {"file": upload(photo)})
    assert first.status_code == second.status_code == 302
    assert Attachment.objects.filter(case=case).count() == 1
    assert len(stored_files(private_root)) == 1
    assert events("case.attachment_added").count() == 1


def test_the_upload_is_audited_with_ids_only(alice, case):
    attachment, _created = attachment_add(actor=alice, case_id=case.pk, upload=upload(PDF, SECRET_NAME))
    event = events("case.attachment_added").get()
    assert (event.target_id, event.actor_id, event.agency_id) == (str(case.pk), alice.user_id, alice.agency_id)
    assert event.details == {"attachment_id": attachment.pk, "content_type": "application/pdf"}
    assert "Rahasia" not in str(event.details)


def test_an_archived_case_takes_no_attachment(alice, case, private_root):
    case.status = CaseStatus.ARCHIVED
    case.save(update_fields=["status"])
    with pytest.raises(CaseStateError):
        attachment_add(actor=alice, case_id=case.pk, upload=upload(PDF, "a.pdf"))
    assert stored_files(private_root) == []


@pytest.mark.parametrize("level", [grants.Access.LIMITED, grants.Access.CONTACT, grants.Access.FULL])
def test_a_grant_of_any_level_may_not_upload(case, charlie, police, level, private_root):
    grants.grant_case_access(case=case, agency=police, level=level)
    with pytest.raises(CaseActionForbidden):
        attachment_add(actor=charlie, case_id=case.pk, upload=upload(PDF, "a.pdf"))
    assert stored_files(private_root) == []


def test_an_outsider_cannot_upload(case, charlie, private_root):
    with pytest.raises(CaseNotVisible):
        attachment_add(actor=charlie, case_id=case.pk, upload=upload(PDF, "a.pdf"))
    assert stored_files(private_root) == []


def test_a_storage_failure_leaves_no_row(monkeypatch, alice, case, private_root):
    def full_disk(path, plaintext):
        raise OSError("No space left on device")

    monkeypatch.setattr(attachments, "write_encrypted", full_disk)
    with pytest.raises(OSError):
        attachment_add(actor=alice, case_id=case.pk, upload=upload(PDF, "a.pdf"))
    assert not Attachment.objects.exists()
    assert not events("case.attachment_added").exists()


def test_a_database_failure_leaves_no_file(monkeypatch, alice, case, private_root):
    def audit_down(**kwargs):
        raise RuntimeError("audit unavailable")

    monkeypatch.setattr(attachments, "audit_record", audit_down)
    with pytest.raises(RuntimeError):
        attachment_add(actor=alice, case_id=case.pk, upload=upload(PDF, "a.pdf"))
    assert not Attachment.objects.exists()
    assert stored_files(private_root) == []


def test_a_failed_write_leaves_no_partial_file(monkeypatch, private_root):
    class Broken(Exception):
        pass

    def broken_fsync(fd):
        raise Broken

    monkeypatch.setattr(attachments.os, "fsync", broken_fsync)
    with pytest.raises(Broken):
        attachments.write_encrypted(attachments.storage_path("k" * 43), b"data")
    assert stored_files(private_root) == []


# --- Download --------------------------------------------------------------------------


@pytest.fixture
def photo(case, alice):
    attachment, _created = attachment_add(actor=alice, case_id=case.pk, upload=upload(jpeg_with_gps()))
    return attachment


def test_a_download_is_audited_and_sent_as_a_download(client, photo, case, bob):
    sign_in(client, bob.user, membership=bob)
    response = client.get(download_url(photo))
    assert response.status_code == 200
    assert response.content == read_decrypted(photo)
    event = events("case.attachment_downloaded").get()
    assert (event.target_id, event.actor_id, event.membership_id) == (str(case.pk), bob.user_id, bob.pk)
    assert event.details == {"attachment_id": photo.pk}


def test_download_headers(client, photo, case, alice):
    sign_in(client, alice.user, membership=alice)
    response = client.get(download_url(photo))
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"] == f'attachment; filename="{case.register_number}-{photo.pk}.jpg"'
    assert response["X-Content-Type-Options"] == "nosniff"
    csp = response["Content-Security-Policy"]
    assert "sandbox" in csp and "default-src 'none'" in csp
    assert "no-store" in response["Cache-Control"]
    assert "Rahasia" not in str(response.headers)


def test_a_pdf_is_downloaded_as_a_pdf_never_inline(client, case, alice):
    attachment, _created = attachment_add(actor=alice, case_id=case.pk, upload=upload(PDF, "x.html", "text/html"))
    sign_in(client, alice.user, membership=alice)
    response = client.get(download_url(attachment))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Disposition"].endswith('.pdf"')


def test_an_outsider_gets_404_and_the_attempt_is_audited(client, photo, case, charlie, private_root):
    sign_in(client, charlie.user, membership=charlie)
    response = client.get(download_url(photo))
    assert response.status_code == 404
    denied = events("case.access_denied", target_id=str(case.pk), actor_id=charlie.user_id).get()
    assert denied.details["route"] == "attachment_download"
    assert not events("case.attachment_downloaded").exists()
    assert read_decrypted(photo) not in response.content


@pytest.mark.parametrize("level", [grants.Access.LIMITED, grants.Access.CONTACT])
def test_a_limited_or_contact_grant_gets_403(client, photo, case, charlie, police, level):
    # The case is visible to them, the files are not: 403 like any forbidden
    # action on a visible case, decided before the attachment is looked up.
    grants.grant_case_access(case=case, agency=police, level=level)
    sign_in(client, charlie.user, membership=charlie)
    assert client.get(download_url(photo)).status_code == 403
    missing = reverse("cases:attachment_download", kwargs={"case_id": case.pk, "attachment_id": photo.pk + 999})
    assert client.get(missing).status_code == 403
    assert not events("case.attachment_downloaded").exists()


def test_a_full_grant_may_download(client, photo, case, charlie, police):
    grants.grant_case_access(case=case, agency=police, level=grants.Access.FULL)
    sign_in(client, charlie.user, membership=charlie)
    assert client.get(download_url(photo)).status_code == 200
    assert events("case.attachment_downloaded", actor_id=charlie.user_id).count() == 1


def test_an_attachment_is_found_only_under_its_own_case(client, photo, uptd, alice):
    other_case = CaseFactory(agency=uptd)
    sign_in(client, alice.user, membership=alice)
    wrong = reverse("cases:attachment_download", kwargs={"case_id": other_case.pk, "attachment_id": photo.pk})
    assert client.get(wrong).status_code == 404
    assert not events("case.attachment_downloaded").exists()


def test_a_restricted_case_hides_its_files_from_an_unassigned_caseworker(client, photo, case, dave):
    case.is_restricted = True
    case.save(update_fields=["is_restricted"])
    sign_in(client, dave.user, membership=dave)
    assert client.get(download_url(photo)).status_code == 404
    assert events("case.access_denied", actor_id=dave.user_id).count() == 1


def test_a_wrong_key_fails_loudly(photo):
    with (
        override_settings(FIELD_ENCRYPTION_KEYS=[Fernet.generate_key().decode()]),
        pytest.raises(FieldDecryptionError),
    ):
        read_decrypted(photo)


def test_an_altered_file_is_not_served(photo, private_root):
    path = attachments.storage_path(photo.storage_key)
    attachments.write_encrypted(path, b"something else")
    with pytest.raises(attachments.AttachmentFileMissing):
        read_decrypted(photo)


# --- Key rotation -------------------------------------------------------------------------


def test_rotation_keeps_every_file_readable_under_the_new_key_alone(photo, case, alice, private_root):
    pdf, _created = attachment_add(actor=alice, case_id=case.pk, upload=upload(PDF, "a.pdf"))
    plaintexts = {a.pk: read_decrypted(a) for a in (photo, pdf)}
    new_key = Fernet.generate_key().decode()
    with override_settings(FIELD_ENCRYPTION_KEYS=[new_key, OLD_KEY]):
        out = io.StringIO()
        call_command("reencrypt_attachments", "--batch-size", "1", stdout=out)
        assert "2 files re-encrypted" in out.getvalue()
        again = io.StringIO()
        call_command("reencrypt_attachments", stdout=again)
        assert "already done" in again.getvalue()
    for attachment in (photo, pdf):
        token = attachments.storage_path(attachment.storage_key).read_bytes()
        with pytest.raises(InvalidToken):
            Fernet(OLD_KEY).decrypt(token)
    with override_settings(FIELD_ENCRYPTION_KEYS=[new_key]):
        for attachment in (photo, pdf):
            assert read_decrypted(attachment) == plaintexts[attachment.pk]
    assert sorted(p.name for p in stored_files(private_root)) == sorted([photo.storage_key, pdf.storage_key])


def test_rotation_resumes_after_the_last_finished_batch(photo, case, alice):
    from cases.models import ReencryptionProgress

    pdf, _created = attachment_add(actor=alice, case_id=case.pk, upload=upload(PDF, "a.pdf"))
    new_key = Fernet.generate_key().decode()
    with override_settings(FIELD_ENCRYPTION_KEYS=[new_key, OLD_KEY]):
        from cases.fields import primary_key_fingerprint

        ReencryptionProgress.objects.create(
            model_label="cases.Attachment#contents", key_fingerprint=primary_key_fingerprint(), last_pk=photo.pk
        )
        out = io.StringIO()
        call_command("reencrypt_attachments", stdout=out)
        assert "1 files re-encrypted" in out.getvalue()
    # The photo was not in the resumed run: still under the old key.
    Fernet(OLD_KEY).decrypt(attachments.storage_path(photo.storage_key).read_bytes())
    with pytest.raises(InvalidToken):
        Fernet(OLD_KEY).decrypt(attachments.storage_path(pdf.storage_key).read_bytes())


def test_rotation_reports_a_missing_file_by_id(photo):
    from django.core.management.base import CommandError

    attachments.storage_path(photo.storage_key).unlink()
    with pytest.raises(CommandError) as failed:
        call_command("reencrypt_attachments", stdout=io.StringIO())
    assert str(photo.pk) in str(failed.value)


# --- The list on the case page -------------------------------------------------------------


def test_the_list_costs_one_query_however_many_files(case, uptd, alice, django_assert_num_queries):
    for size in (3, 30):
        listed_case = CaseFactory(agency=uptd)
        listed_case.assignments.create(membership=alice)
        for index in range(size):
            attachment_add(
                actor=alice, case_id=listed_case.pk, upload=upload(PDF + str(index).encode(), f"{index}.pdf")
            )
        with django_assert_num_queries(1):
            listed = attachment_list(case=listed_case, access=grants.Access.OWNER)
            html = render_to_string(
                "cases/includes/attachments.html",
                {"case": listed_case, "case_access": grants.Access.OWNER, "attachments": listed},
            )
        assert html.count("/download/") == size
        assert uptd.name in html


def test_the_list_is_empty_below_a_full_grant(photo, case):
    assert attachment_list(case=case, access=grants.Access.CONTACT) == []
    assert attachment_list(case=case, access=grants.Access.LIMITED) == []
    assert [a.pk for a in attachment_list(case=case, access=grants.Access.FULL)] == [photo.pk]


def _render(case, access, request=None):
    return render_to_string(
        "cases/includes/attachments.html",
        {"case": case, "case_access": access, "attachments": attachment_list(case=case, access=access)},
        request=request,
    )


def test_the_owner_sees_the_files_and_the_upload_form(photo, case):
    html = _render(case, grants.Access.OWNER, RequestFactory().get("/"))
    assert download_url(photo) in html
    assert reverse("cases:attachment_upload", kwargs={"case_id": case.pk}) in html
    assert SECRET_NAME in html  # shown on the page to who may see it, never in a URL
    assert SECRET_NAME not in download_url(photo)


def test_a_full_grant_sees_the_files_but_no_upload_form(photo, case):
    html = _render(case, grants.Access.FULL)
    assert download_url(photo) in html
    assert 'type="file"' not in html


@pytest.mark.parametrize("access", [grants.Access.LIMITED, grants.Access.CONTACT])
def test_a_limited_or_contact_grant_sees_no_file(photo, case, access):
    html = _render(case, access)
    assert "/download/" not in html
    assert SECRET_NAME not in html
    assert 'type="file"' not in html


def test_an_archived_case_shows_no_upload_form(photo, case):
    case.status = CaseStatus.ARCHIVED
    html = _render(case, grants.Access.OWNER)
    assert download_url(photo) in html
    assert 'type="file"' not in html


def test_an_upload_without_the_csrf_token_is_refused(case, alice, private_root):
    from django.test import Client

    client = sign_in(Client(enforce_csrf_checks=True), alice.user, membership=alice)
    response = client.post(upload_url(case), {"file": upload(PDF, "a.pdf")})
    assert response.status_code == 403
    assert not Attachment.objects.exists()
    assert stored_files(private_root) == []


def test_a_superuser_without_a_membership_gets_403_and_is_audited(client, photo, case):
    from tests.factories import UserFactory

    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    sign_in(client, root)
    assert client.get(download_url(photo)).status_code == 403
    assert client.post(upload_url(case), {"file": upload(PDF, "a.pdf")}).status_code == 403
    assert events("case.access_denied", actor_id=root.pk, target_id=str(case.pk)).count() == 2
    assert Attachment.objects.count() == 1


def test_after_an_upload_the_case_page_says_so(client, case, alice):
    sign_in(client, alice.user, membership=alice)
    response = client.post(upload_url(case), {"file": upload(PDF, "a.pdf")})
    assert response["Location"] == reverse("cases:detail", kwargs={"case_id": case.pk})
    from django.contrib.messages import get_messages

    assert [str(m) for m in get_messages(response.wsgi_request)] == ["The file was attached."]
