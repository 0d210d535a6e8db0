from django.contrib import admin

from agencies.models import Agency, Kecamatan, Kelurahan, ReferenceItem, ReferenceList


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "parent", "receives_referrals", "is_active"]
    list_filter = ["kind", "receives_referrals", "is_active"]
    search_fields = ["name", "code"]


class KelurahanInline(admin.TabularInline):
    model = Kelurahan
    extra = 0


@admin.register(Kecamatan)
class KecamatanAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "code_bps"]
    inlines = [KelurahanInline]


@admin.register(Kelurahan)
class KelurahanAdmin(admin.ModelAdmin):
    list_display = ["name", "kecamatan", "code", "code_bps"]
    list_filter = ["kecamatan"]
    search_fields = ["name", "code", "code_bps"]


class ReferenceItemInline(admin.TabularInline):
    model = ReferenceItem
    extra = 0
    fields = ["code", "label_id", "label_en", "position", "is_active"]


@admin.register(ReferenceList)
class ReferenceListAdmin(admin.ModelAdmin):
    list_display = ["key", "status"]
    search_fields = ["key"]
    inlines = [ReferenceItemInline]
