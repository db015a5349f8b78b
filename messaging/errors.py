"""Bandwidth's messaging error codes in words, for agents reading a failed message."""

from __future__ import annotations

OPT_OUT_ERROR_CODES = frozenset({4775})
REGISTRATION_ERROR_CODES = frozenset({4773, 4774, 4795})
"""The sender is not registered (10DLC campaign, toll-free verification): it is not ready."""

MEANINGS: dict[int, str] = {
    4301: "The message's text could not be encoded.",
    4302: "The sending number is not a valid phone number.",
    4303: "The recipient is not a valid phone number.",
    4360: "The message expired before it could be sent.",
    4401: "Bandwidth could not route the message.",
    4403: "The sending number is not allowed to send this message.",
    4404: "The recipient's number cannot receive messages from this sender.",
    4405: "The sending number is not assigned to a carrier.",
    4406: "The recipient's number is not in service.",
    4410: "The attached media could not be downloaded.",
    4411: "The message is larger than carriers accept.",
    4412: "The attached media is not a supported file.",
    4432: "Texts to that country are not allowed on this account.",
    4433: "Texts to toll-free numbers are not allowed from this number.",
    4435: "The message had more recipients than allowed.",
    4452: "The messaging application does not match the sending number.",
    4470: "The message was blocked as spam.",
    4481: "The sending number is blocklisted.",
    4482: "The recipient's number is blocklisted.",
    4492: "Texts to emergency numbers are not allowed.",
    4720: "The recipient's number cannot receive texts (landline or invalid).",
    4750: "The recipient's carrier rejected the message.",
    4770: "The recipient's carrier flagged the message as spam.",
    4721: "The recipient's number is deactivated.",
    4773: "The 10DLC campaign of this number is not active.",
    4774: "The 10DLC campaign provisioning of this number is incomplete.",
    4775: "The recipient has opted out of messages from this number (replied STOP).",
    4780: "The carrier's rate limit for this campaign was exceeded.",
    4781: "The carrier's daily limit for this campaign was reached.",
    4785: "Too many messages were sent too quickly (volumetric violation).",
    4795: "The toll-free number is not verified for texting.",
    5100: "Bandwidth had a temporary problem; sending again may work.",
    5600: "The recipient's carrier queue was full; sending again may work.",
    5999: "Unknown error at Bandwidth.",
    9902: "No delivery receipt arrived in time (the message may still have been delivered).",
    9999: "Unknown error.",
}


def meaning(code: int | None, description: str = "") -> str:
    if code is None:
        return description
    known = MEANINGS.get(code)
    if known:
        return known
    if 4000 <= code < 5000:
        return f"The message was refused ({description or code}); sending it again will not help."
    if 5000 <= code < 6000:
        return f"A temporary error ({description or code}); sending again may work."
    return f"Error {code}: {description}".strip()
