import re
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]


def po_entries(path: Path) -> list[tuple[str, str, bool]]:
    """(msgid, msgstr, fuzzy) of every entry, read with the gettext format's own rules."""
    text = path.read_text(encoding="utf-8")
    entries = []
    for block in text.split("\n\n"):
        if "msgid" not in block or block.lstrip().startswith("#~"):
            continue
        fuzzy = "#, fuzzy" in block or re.search(r"^#,.*fuzzy", block, re.M) is not None
        msgid = "".join(
            re.findall(r'"(.*)"', block.split("msgid ", 1)[1].split("msgstr", 1)[0].split("msgid_plural")[0])
        )
        msgstr_part = block.split("msgstr", 1)[1]
        msgstr = "".join(re.findall(r'"(.*)"', msgstr_part))
        entries.append((msgid, msgstr, fuzzy))
    return entries


def test_every_message_has_an_indonesian_translation():
    entries = [e for e in po_entries(ROOT / "locale/id/LC_MESSAGES/django.po") if e[0]]
    assert entries, "the Indonesian catalogue is empty"
    untranslated = [msgid for msgid, msgstr, fuzzy in entries if not msgstr or fuzzy]
    assert untranslated == []


@pytest.mark.django_db
def test_indonesian_is_the_default_whatever_the_browser_says(client):
    response = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "id"
    assert '<html lang="id">' in response.content.decode()
    assert "Masuk" in response.content.decode()


@pytest.mark.django_db
def test_the_switcher_changes_the_language(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("accounts:login")})
    assert response.status_code == 302
    page = client.get(reverse("accounts:login"))
    assert page["Content-Language"] == "en"
    assert "Sign in" in page.content.decode()


def test_dates_are_written_the_indonesian_way():
    import datetime

    from django.utils import formats, translation

    with translation.override("id"):
        assert formats.date_format(datetime.date(2026, 8, 17)) == "17 Agustus 2026"
        assert formats.date_format(datetime.date(2026, 8, 17), "SHORT_DATE_FORMAT") == "17/08/2026"
