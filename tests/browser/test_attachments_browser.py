"""Attachments in a real browser at phone size: a refused file shows why, a
photo attached on the case page downloads without its GPS position."""

import pytest
from django.urls import reverse
from PIL import Image

from cases.models import Attachment
from tests.browser.conftest import screenshot, sign_in_in_browser
from tests.cases.test_attachments import jpeg_with_gps, upload_url
from tests.factories import CaseFactory


@pytest.fixture
def case(phone, uptd, alice):
    case = CaseFactory(agency=uptd)
    case.assignments.create(membership=alice)
    return case


_INJECT_FORM = """([action, token]) => {
    const form = document.createElement("form");
    form.method = "post";
    form.action = action;
    form.enctype = "multipart/form-data";
    form.id = "injected-upload";
    form.innerHTML = '<input type="hidden" name="csrfmiddlewaretoken"><input type="file" name="file">';
    form.querySelector("[name=csrfmiddlewaretoken]").value = token;
    document.body.append(form);
}"""


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_refused_file_shows_why_on_a_phone_and_a_desktop(phone, case, alice):
    sign_in_in_browser(phone, alice.user)
    # The upload form lives on the case page; here it is put on the home page
    # so that this page is tested on its own.
    token = phone.locator("input[name=csrfmiddlewaretoken]").first.input_value()
    phone.evaluate(_INJECT_FORM, [upload_url(case), token])
    phone.set_input_files(
        "#injected-upload input[type=file]",
        files=[{"name": "foto.jpg", "mimeType": "image/jpeg", "buffer": b"<html><script>alert(1)</script></html>"}],
    )
    with phone.expect_navigation():
        phone.evaluate("() => document.getElementById('injected-upload').submit()")
    assert phone.locator("html").get_attribute("lang") == "id"
    assert phone.locator(".field-error").count() == 1
    assert phone.locator("input[type=file][name=file]").count() == 1
    screenshot(phone, "attachments-refused-360")
    phone.set_viewport_size({"width": 1280, "height": 800})
    screenshot(phone, "attachments-refused-1280")
    assert not Attachment.objects.exists()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_caseworker_attaches_a_photo_on_the_case_page_and_downloads_it(phone, case, alice, tmp_path):
    photo_path = tmp_path / "foto_kejadian.jpg"
    photo_path.write_bytes(jpeg_with_gps("orange", (60, 30)))
    sign_in_in_browser(phone, alice.user)
    phone.goto(reverse("cases:detail", kwargs={"case_id": case.pk}))
    section = phone.locator("#attachments")
    section.locator("summary").click()
    screenshot(phone, "attachments-upload-open-360")
    section.locator("input[type=file]").set_input_files(str(photo_path))
    with phone.expect_navigation():
        section.locator("button[type=submit]").click()
    assert phone.locator(".message--success").count() == 1
    link = phone.locator("#attachments a[href*='/download/']")
    assert link.count() == 1
    screenshot(phone, "attachments-case-page-360")
    with phone.expect_download() as downloading:
        link.click()
    download = downloading.value
    attachment = Attachment.objects.get(case=case)
    assert download.suggested_filename == f"{case.register_number}-{attachment.pk}.jpg"
    saved = Image.open(download.path())
    assert saved.size == (30, 60)
    assert dict(saved.getexif()) == {}
    phone.set_viewport_size({"width": 1280, "height": 800})
    screenshot(phone, "attachments-case-page-1280")
