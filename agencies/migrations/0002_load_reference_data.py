from django.db import migrations

from agencies import reference


def load(apps, schema_editor):
    reference.load_regions(
        kecamatan_model=apps.get_model("agencies", "Kecamatan"),
        kelurahan_model=apps.get_model("agencies", "Kelurahan"),
    )
    reference.load_taxonomy(
        list_model=apps.get_model("agencies", "ReferenceList"),
        item_model=apps.get_model("agencies", "ReferenceItem"),
    )


class Migration(migrations.Migration):
    dependencies = [("agencies", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
