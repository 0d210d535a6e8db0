"""Load the Depok regions and the SIMFONI-PPA pick-lists from the domain files.

Idempotent: rows are matched by their official code and updated in place, so
running it again after the files change updates the tables without duplicates.
Administrators may deactivate or relabel items afterwards; a reload restores
labels from the files but never deletes an item that records may point at.
The functions take model classes so that a migration can pass its historical
models.
"""

import json
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
REGIONS_FILE = DATA_DIR / "depok_regions.json"
TAXONOMY_FILE = DATA_DIR / "taxonomy.json"

_ITEM_FIELDS = {"code", "label_id", "label_en"}


def load_regions(*, kecamatan_model, kelurahan_model, path: Path = REGIONS_FILE) -> tuple[int, int]:
    data = json.loads(path.read_text(encoding="utf-8"))
    kelurahan_count = 0
    for kecamatan_data in data["kecamatan"]:
        kecamatan, _ = kecamatan_model.objects.update_or_create(
            code=kecamatan_data["code"],
            defaults={"code_bps": kecamatan_data["code_bps"], "name": kecamatan_data["name"]},
        )
        for kelurahan_data in kecamatan_data["kelurahan"]:
            kelurahan_model.objects.update_or_create(
                code=kelurahan_data["code"],
                defaults={
                    "code_bps": kelurahan_data["code_bps"],
                    "name": kelurahan_data["name"],
                    "kecamatan": kecamatan,
                },
            )
            kelurahan_count += 1
    return len(data["kecamatan"]), kelurahan_count


def taxonomy_lists(data: dict) -> dict[str, dict]:
    """Every list of coded items in the taxonomy, keyed ``section`` for a
    section's ``items`` (or ``states``) and ``section__part`` for other parts."""
    lists = {}
    for section, body in data.items():
        if section.startswith("_") or not isinstance(body, dict):
            continue
        for part, value in body.items():
            if not (isinstance(value, list) and value and all(isinstance(v, dict) and "code" in v for v in value)):
                continue
            key = section if part in {"items", "states"} else f"{section}__{part}"
            lists[key] = {"status": body.get("status", ""), "sources": body.get("sources", []), "items": value}
    return lists


def load_taxonomy(*, list_model, item_model, path: Path = TAXONOMY_FILE) -> int:
    data = json.loads(path.read_text(encoding="utf-8"))
    item_count = 0
    for key, body in taxonomy_lists(data).items():
        reference_list, _ = list_model.objects.update_or_create(
            key=key, defaults={"status": body["status"], "sources": body["sources"]}
        )
        for position, item in enumerate(body["items"]):
            item_model.objects.update_or_create(
                reference_list=reference_list,
                code=item["code"],
                defaults={
                    "label_id": item["label_id"],
                    "label_en": item.get("label_en", ""),
                    "position": position,
                    "extra": {k: v for k, v in item.items() if k not in _ITEM_FIELDS},
                },
            )
            item_count += 1
    return item_count
