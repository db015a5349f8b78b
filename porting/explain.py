"""What each port-in status means to the tenant, and what the tenant must do."""

from __future__ import annotations

from dataclasses import dataclass

from .models import PortInRequest

S = PortInRequest.Status


@dataclass(frozen=True)
class Explanation:
    meaning: str
    action: str


EXPLANATIONS: dict[str, Explanation] = {
    S.DRAFT: Explanation(
        "Not sent yet. Your numbers keep working with your current carrier.",
        "Sign the letter of authorization, upload a recent bill, then submit.",
    ),
    S.PENDING_DOCUMENTS: Explanation(
        "Bandwidth has the request but is waiting for the letter of authorization.",
        "Sign or upload the letter of authorization.",
    ),
    S.SUBMITTED: Explanation(
        "Bandwidth has asked your current carrier to release the numbers.",
        "Nothing to do: keep your current service until the port completes. Set up routes and "
        "names for the numbers now so they answer your way from the first minute.",
    ),
    S.EXCEPTION: Explanation(
        "Your current carrier refused the request; the reason is below.",
        "Correct the details the reason names and resubmit; the correction goes to the carrier "
        "as a supplement.",
    ),
    S.REQUESTED_SUPP: Explanation(
        "Your correction is on its way to the current carrier.",
        "Nothing to do; you will see a new date or a new reason here.",
    ),
    S.FOC: Explanation(
        "The carriers confirmed the date and time the numbers move (the FOC date).",
        "Keep your current service until then. Changes and cancellation are possible until 24 "
        "hours before that time.",
    ),
    S.REQUESTED_CANCEL: Explanation(
        "Cancellation is on its way to the carriers.", "Nothing to do."
    ),
    S.CANCELLED: Explanation(
        "The port was cancelled; the numbers stay with your current carrier.",
        "Start a new request if you still want to bring them.",
    ),
    S.COMPLETE: Explanation(
        "The numbers are on Parley: texts and calls to them arrive here now.",
        "You may now cancel the service with your previous carrier.",
    ),
}


def explain(status: str) -> Explanation:
    return EXPLANATIONS.get(status, Explanation(status, ""))
