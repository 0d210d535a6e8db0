"""The printable referral letter (fpdf2), made in memory and never stored.

It carries the referral's metadata, the summary and requested services, and
the victims' facts at the level the receiving agency reads
(``selectors.case_facts``): nothing more than its grant allows.
"""

from pathlib import Path

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from fpdf import FPDF

# A Unicode font when the system has one (names and summaries are not
# Latin-1); else the core font, with characters outside Latin-1 replaced.
_FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
_REGULAR, _BOLD = _FONT_DIR / "DejaVuSans.ttf", _FONT_DIR / "DejaVuSans-Bold.ttf"


class _Letter(FPDF):
    def __init__(self):
        super().__init__(format="A4")
        self.set_margins(18, 18, 18)
        self.set_auto_page_break(True, margin=18)
        self.unicode = _REGULAR.exists() and _BOLD.exists()
        if self.unicode:
            self.add_font("Body", "", str(_REGULAR))
            self.add_font("Body", "B", str(_BOLD))
            self.family_name = "Body"
        else:
            self.family_name = "Helvetica"
        self.set_title(_("Referral letter"))
        self.set_creator("Depok Cases")

    def text_of(self, value) -> str:
        text = "" if value is None else str(value)
        return text if self.unicode else text.encode("latin-1", "replace").decode("latin-1")

    def footer(self):
        self.set_y(-12)
        self.set_font(self.family_name, "", 8)
        self.set_text_color(110)
        self.cell(0, 6, self.text_of(_("Confidential: for the receiving agency only. Do not copy.")), align="L")
        self.cell(0, 6, f"{self.page_no()}", align="R")

    def heading(self, text: str) -> None:
        self.ln(3)
        self.set_font(self.family_name, "B", 11)
        self.set_text_color(20)
        self.cell(0, 7, self.text_of(text), new_x="LMARGIN", new_y="NEXT")
        self.set_draw_color(200)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(1.5)

    def row(self, label: str, value) -> None:
        self.set_font(self.family_name, "", 9.5)
        self.set_text_color(90)
        label = self.text_of(label)
        if self.get_string_width(label) > 53:
            # A long label gets a line of its own rather than running into the value.
            self.multi_cell(0, 6, label, new_x="LMARGIN", new_y="NEXT")
            self.set_x(self.l_margin + 55)
        else:
            self.cell(55, 6, label)
        self.set_text_color(20)
        self.multi_cell(0, 6, self.text_of(value) or "—", new_x="LMARGIN", new_y="NEXT")

    def paragraph(self, text: str) -> None:
        self.set_font(self.family_name, "", 10)
        self.set_text_color(20)
        self.multi_cell(0, 5.5, self.text_of(text) or "—", new_x="LMARGIN", new_y="NEXT")


def _when(value) -> str:
    return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT") if value else "—"


def _yes_no(value) -> str:
    return {True: _("yes"), False: _("no")}.get(value, _("unknown"))


def referral_letter(*, referral, facts: dict) -> bytes:
    letter = _Letter()
    letter.add_page()
    letter.set_font(letter.family_name, "B", 15)
    letter.cell(0, 9, letter.text_of(_("Referral letter")), new_x="LMARGIN", new_y="NEXT")
    letter.set_font(letter.family_name, "", 10)
    letter.set_text_color(90)
    letter.cell(
        0,
        6,
        letter.text_of(f"{referral.case.register_number} · {referral.get_kind_display()}"),
        new_x="LMARGIN",
        new_y="NEXT",
    )

    letter.heading(_("Referral"))
    letter.row(_("From"), referral.from_agency.name)
    letter.row(_("To"), referral.to_agency.name)
    letter.row(_("Urgency"), referral.get_urgency_display())
    letter.row(_("Status"), referral.get_status_display())
    letter.row(_("Sent"), _when(referral.sent_at))
    letter.row(_("Answer due by"), _when(referral.due_at))
    letter.row(_("Access for the receiving agency"), referral.get_grant_level_display())
    services = ", ".join(item.label for item in referral.requested_services.order_by("position"))
    letter.row(_("Requested services"), services)
    if referral.emergency_override and referral.consent_id is None:
        letter.row(_("Consent"), _("Emergency override, approved by the sending supervisor"))
    elif referral.consent is not None:
        letter.row(_("Consent"), formats.date_format(referral.consent.given_on, "DATE_FORMAT"))

    letter.heading(_("Summary for the receiving agency"))
    letter.paragraph(referral.summary)

    letter.heading(_("Victim"))
    letter.row(_("Risk level"), facts["risk"])
    for victim in facts["victims"]:
        letter.ln(1)
        if "name" in victim:
            letter.row(_("Name"), victim["name"])
            letter.row(_("Address"), victim["address"])
        letter.row(_("Initials"), victim["initials"])
        letter.row(_("Age"), victim["age"] if victim["age"] is not None else "—")
        letter.row(_("Sex"), victim["sex"])
        letter.row(_("Violence types"), ", ".join(victim["violence_types"]))
        if "phone" in victim:
            letter.row(_("Phone"), victim["phone"])
            letter.row(_("Safe to call"), _yes_no(victim["safe_to_call"]))
            letter.row(_("Safe to message"), _yes_no(victim["safe_to_message"]))
            letter.row(_("Safe to visit"), _yes_no(victim["safe_to_visit"]))
            letter.row(_("When and how it is safe to make contact"), victim["contact_safety_notes"])

    letter.ln(4)
    letter.set_font(letter.family_name, "", 8.5)
    letter.set_text_color(90)
    letter.multi_cell(
        0,
        4.5,
        letter.text_of(
            _(
                "Printed %(when)s. This letter carries only what the victim's consent "
                "allows the receiving agency to see."
            )
            % {"when": _when(timezone.now())}
        ),
    )
    return bytes(letter.output())
