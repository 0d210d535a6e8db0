"""Intake pages in the page isolation matrix.

Intake pages are not about one case (``case_page=False``): any member whose
role works cases may start an intake (200 / 302), other roles get 403. A
draft belongs to its membership only: built for the owner's caseworker, it
answers 404 to everyone else — the supervisor of the same agency included —
exactly like a draft that does not exist."""

from tests.cases.page_matrix import PageRow

CASE_WORKERS_OK = {
    "owner_caseworker": 200,
    "owner_supervisor": 200,
    "other_agency": 200,
    "limited_grant": 200,
    "owner_analyst": 403,
}
CASE_WORKERS_REDIRECTED = {role: 302 if status == 200 else status for role, status in CASE_WORKERS_OK.items()}


def _draft_kwargs(world) -> dict:
    from cases import intake

    data = intake.new_draft_data()
    data["fields"] = {"person-p1-name": world["victim"].person.name, "person-p1-nik": world["victim"].person.nik}
    draft = intake.draft_create(membership=world["owner_caseworker"], data=data)
    return {"draft_id": draft.pk}


def _owner_only(owner_status: int) -> dict:
    return {
        "owner_caseworker": owner_status,
        "owner_supervisor": 404,
        "other_agency": 404,
        "limited_grant": 404,
        "owner_analyst": 403,
    }


def _draft_body(world) -> dict:
    return {"revision": 1, "action": "save", "persons": ["p1:victim"], "incident-chronology": "Kronologi matriks"}


ROWS: list[PageRow] = [
    PageRow(
        name="cases:intake_start", method="GET", expected=CASE_WORKERS_OK, kwargs=lambda world: {}, case_page=False
    ),
    PageRow(
        name="cases:intake_start",
        method="POST",
        expected=CASE_WORKERS_REDIRECTED,
        kwargs=lambda world: {},
        body=lambda world: {"action": "save", "incident-chronology": "Kronologi matriks"},
        case_page=False,
    ),
    PageRow(name="cases:intake_draft", method="GET", expected=_owner_only(200), kwargs=_draft_kwargs, case_page=False),
    PageRow(
        name="cases:intake_draft",
        method="POST",
        expected=_owner_only(302),
        kwargs=_draft_kwargs,
        body=_draft_body,
        case_page=False,
    ),
    PageRow(
        name="cases:intake_autosave",
        method="POST",
        expected=_owner_only(200),
        kwargs=_draft_kwargs,
        body=_draft_body,
        case_page=False,
    ),
    PageRow(
        name="cases:intake_matches",
        method="POST",
        expected=_owner_only(200),
        kwargs=_draft_kwargs,
        body=lambda world: {"person": "p1", "persons": ["p1:victim"], "person-p1-nik": world["victim"].person.nik},
        case_page=False,
    ),
    PageRow(
        name="cases:intake_discard", method="GET", expected=_owner_only(200), kwargs=_draft_kwargs, case_page=False
    ),
    PageRow(
        name="cases:intake_discard", method="POST", expected=_owner_only(302), kwargs=_draft_kwargs, case_page=False
    ),
]
