import json
from pathlib import Path

import pytest
from django.core.management import call_command

from agencies import reference
from agencies.models import Kecamatan, Kelurahan, ReferenceItem, ReferenceList

SHARED_DOMAIN = Path(__file__).resolve().parents[3] / "shared" / "domain"

pytestmark = pytest.mark.django_db


def test_depok_has_11_kecamatan_and_63_kelurahan_with_both_codes():
    assert Kecamatan.objects.count() == 11
    assert Kelurahan.objects.count() == 63
    beji = Kecamatan.objects.get(name="Beji")
    assert beji.code.startswith("32.76.") and beji.code_bps.startswith("3276")


def test_the_two_curug_are_two_kelurahan_keyed_by_code():
    curugs = Kelurahan.objects.filter(name="Curug").select_related("kecamatan")
    assert {k.kecamatan.name for k in curugs} == {"Cimanggis", "Bojongsari"}
    assert len({k.code for k in curugs}) == 2


def test_loading_again_changes_nothing():
    counts = (Kelurahan.objects.count(), ReferenceList.objects.count(), ReferenceItem.objects.count())
    call_command("load_reference_data")
    call_command("load_reference_data")
    assert (Kelurahan.objects.count(), ReferenceList.objects.count(), ReferenceItem.objects.count()) == counts


def test_every_coded_list_of_the_taxonomy_is_loaded():
    data = json.loads(reference.TAXONOMY_FILE.read_text())
    for key, body in reference.taxonomy_lists(data).items():
        codes = set(ReferenceItem.objects.of(key).values_list("code", flat=True))
        assert codes == {item["code"] for item in body["items"]}, key
    violence = ReferenceItem.objects.of("jenis_kekerasan_simfoni")
    assert {"FISIK", "PSIKIS", "SEKSUAL"} <= set(violence.values_list("code", flat=True))


def test_an_administrator_can_relabel_an_item_and_a_reload_keeps_it_active_state():
    item = ReferenceItem.objects.of("kriteria_risiko").get(code="TINGGI")
    item.is_active = False
    item.save()
    call_command("load_reference_data")
    item.refresh_from_db()
    assert item.is_active is False


@pytest.mark.skipif(not SHARED_DOMAIN.exists(), reason="shared/domain is not beside this checkout")
@pytest.mark.parametrize("name", ["depok_regions.json", "taxonomy.json"])
def test_the_packaged_reference_files_match_the_shared_domain(name):
    # The repository carries a copy so the Docker image is self-contained;
    # this fails when shared/domain changes and the copy was not refreshed.
    assert (reference.DATA_DIR / name).read_bytes() == (SHARED_DOMAIN / name).read_bytes()
