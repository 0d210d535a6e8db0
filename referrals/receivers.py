"""What referrals do when a case changes (``cases.signals.case_changed``):
a withdrawn consent or an archived case ends the access of the referrals that
rested on it. The grants themselves are already gone (the cases services end
them in their own transaction); this records the end on the referrals."""

from django.dispatch import receiver

from cases.signals import case_changed
from referrals import services

CAUSES = {"consent_withdrawn": "consent_withdrawn", "transition:archive": "archived"}


@receiver(case_changed, dispatch_uid="referrals.case_changed")
def _case_changed(sender, *, case_id: int, change: str, **kwargs) -> None:
    cause = CAUSES.get(change)
    if cause is not None:
        services.referrals_end_access_for_case(case_id=case_id, cause=cause)
