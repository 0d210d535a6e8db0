from django.core.management.base import BaseCommand
from django.db import transaction

from agencies import reference
from agencies.models import Kecamatan, Kelurahan, ReferenceItem, ReferenceList


class Command(BaseCommand):
    help = "Load (or refresh) the Depok regions and the SIMFONI-PPA reference lists. Idempotent."

    @transaction.atomic
    def handle(self, *args, **options):
        kecamatan, kelurahan = reference.load_regions(kecamatan_model=Kecamatan, kelurahan_model=Kelurahan)
        items = reference.load_taxonomy(list_model=ReferenceList, item_model=ReferenceItem)
        self.stdout.write(f"Regions: {kecamatan} kecamatan, {kelurahan} kelurahan. Reference items: {items}.")
