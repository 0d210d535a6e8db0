"""``{% case_referrals case %}``: the referrals panel of the case page (the
cases app knows nothing of referrals; its template loads this tag). Shows the
case's referrals the acting membership sees, and — for the owner — the link
to refer the case. One query."""

from django import template

from cases.grants import Access
from referrals import selectors

register = template.Library()


@register.inclusion_tag("referrals/includes/case_panel.html", takes_context=True)
def case_referrals(context, case, access=None):
    request = context.get("request")
    membership = getattr(request, "membership", None)
    referrals = selectors.referrals_of_case(membership=membership, case_id=case.pk) if membership else []
    return {
        "case": case,
        "referrals": referrals,
        "may_refer": access == Access.OWNER and membership is not None and membership.works_cases,
    }
