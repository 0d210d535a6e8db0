"""The case list, the case page and its workflow pages in the page isolation
matrix. The world's case is open, owned by uptd, assigned to alice (the owner
caseworker); puskesmas (erin) holds a limited grant on it.

A limited grant sees the case (200 on the page) and may record a service, as a
receiving agency does; every owner action answers it 403. Supervisor-only
pages answer the owner caseworker 403 too. The list is not about one case:
every role with a membership is named."""

from django.utils import timezone

from cases.models import CaseTask
from tests.cases.page_matrix import PageRow

OWNER_FORM = {"owner_caseworker": 200, "owner_supervisor": 200, "limited_grant": 403}
OWNER_DONE = {"owner_caseworker": 302, "owner_supervisor": 302, "limited_grant": 403}
SUPERVISOR_FORM = {"owner_caseworker": 403, "owner_supervisor": 200, "limited_grant": 403}
SUPERVISOR_DONE = {"owner_caseworker": 403, "owner_supervisor": 302, "limited_grant": 403}
LIST = {
    "owner_caseworker": 200,
    "owner_supervisor": 200,
    "other_agency": 200,
    "limited_grant": 200,
    "owner_analyst": 403,
}


def _today() -> str:
    return timezone.localdate().isoformat()


def _task_kwargs(world) -> dict:
    task = CaseTask.objects.create(
        case=world["case"], title="Kunjungan rumah", owner=world["owner_caseworker"], due_on=timezone.localdate()
    )
    return {"case_id": world["case"].pk, "task_id": task.pk}


def _edit_body(world) -> dict:
    return {"version": world["case"].version, "occurred_precision": "day", "chronology": "Diperbarui."}


def _service_body(world) -> dict:
    return {"victim": world["victim"].pk, "service_type": "PENGADUAN", "given_on": _today()}


def _consent_body(world) -> dict:
    return {
        "victim": world["victim"].pk,
        "given_by": world["victim"].person_id,
        "given_by_capacity": "victim",
        "purpose": "referral",
        "agency_kinds": ["health"],
        "disclosure_level": "limited",
        "given_on": _today(),
    }


def _consent_kwargs(world) -> dict:
    return {"case_id": world["case"].pk, "consent_id": world["consent"].pk}


def _step(name: str):
    return lambda world: {"case_id": world["case"].pk, "transition": name}


ROWS: list[PageRow] = [
    PageRow(name="cases:list", method="GET", expected=LIST, kwargs=lambda world: {}, case_page=False),
    PageRow(
        name="cases:list",
        method="POST",
        expected=LIST,
        kwargs=lambda world: {},
        body=lambda world: {"kind": "phone", "value": world["victim"].person.phone},
        case_page=False,
    ),
    PageRow(
        name="cases:detail",
        method="GET",
        expected={"owner_caseworker": 200, "owner_supervisor": 200, "limited_grant": 200},
    ),
    PageRow(
        name="cases:detail",
        method="POST",
        expected={"owner_caseworker": 405, "owner_supervisor": 405, "limited_grant": 405},
    ),
    PageRow(name="cases:edit", method="GET", expected=OWNER_FORM),
    PageRow(name="cases:edit", method="POST", expected=OWNER_DONE, body=_edit_body),
    PageRow(name="cases:restriction", method="GET", expected=SUPERVISOR_FORM),
    PageRow(
        name="cases:restriction",
        method="POST",
        expected=SUPERVISOR_DONE,
        body=lambda world: {"version": world["case"].version, "is_restricted": "on"},
    ),
    PageRow(name="cases:assign", method="GET", expected=SUPERVISOR_FORM),
    PageRow(
        name="cases:assign",
        method="POST",
        expected=SUPERVISOR_DONE,
        body=lambda world: {"caseworkers": [world["owner_caseworker"].pk]},
    ),
    PageRow(name="cases:transition", method="GET", expected=OWNER_FORM, kwargs=_step("start_assessment")),
    PageRow(
        name="cases:transition",
        method="POST",
        expected=OWNER_DONE,
        kwargs=_step("start_assessment"),
        body=lambda world: {"version": world["case"].version},
    ),
    PageRow(name="cases:plan", method="GET", expected=OWNER_FORM),
    PageRow(
        name="cases:plan",
        method="POST",
        expected=OWNER_DONE,
        body=lambda world: {"version": 0, "assessment": "Asesmen awal.", "intervention_plan": "Rencana."},
    ),
    PageRow(name="cases:task_add", method="GET", expected=OWNER_FORM),
    PageRow(
        name="cases:task_add",
        method="POST",
        expected=OWNER_DONE,
        body=lambda world: {"title": "Kunjungan", "owner": world["owner_caseworker"].pk, "due_on": _today()},
    ),
    PageRow(name="cases:task_done", method="GET", expected=OWNER_FORM, kwargs=_task_kwargs),
    PageRow(name="cases:task_done", method="POST", expected=OWNER_DONE, kwargs=_task_kwargs),
    PageRow(
        name="cases:service_add",
        method="GET",
        expected={"owner_caseworker": 200, "owner_supervisor": 200, "limited_grant": 200},
    ),
    PageRow(
        name="cases:service_add",
        method="POST",
        expected={"owner_caseworker": 302, "owner_supervisor": 302, "limited_grant": 302},
        body=_service_body,
    ),
    PageRow(name="cases:note_add", method="GET", expected=OWNER_FORM),
    PageRow(name="cases:note_add", method="POST", expected=OWNER_DONE, body=lambda world: {"body": "Catatan."}),
    PageRow(name="cases:legal_step_add", method="GET", expected=OWNER_FORM),
    PageRow(
        name="cases:legal_step_add",
        method="POST",
        expected=OWNER_DONE,
        body=lambda world: {"step": "LAPORAN_POLISI", "occurred_on": _today()},
    ),
    PageRow(name="cases:consent_add", method="GET", expected=OWNER_FORM),
    PageRow(name="cases:consent_add", method="POST", expected=OWNER_DONE, body=_consent_body),
    PageRow(name="cases:consent_withdraw", method="GET", expected=OWNER_FORM, kwargs=_consent_kwargs),
    PageRow(
        name="cases:consent_withdraw",
        method="POST",
        expected=OWNER_DONE,
        kwargs=_consent_kwargs,
        body=lambda world: {"withdrawn_on": _today()},
    ),
]
