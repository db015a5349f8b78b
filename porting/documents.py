"""What a port-in document may be, judged by its content, and the LOA Parley renders.

The type comes from the file's first bytes, never from its name or the browser's Content-Type:
PDF, TIFF (both byte orders), PNG and JPEG are the formats carriers read and Bandwidth accepts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fpdf import FPDF

from core import phones

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF-", "application/pdf", "PDF"),
    (b"II*\x00", "image/tiff", "TIFF"),
    (b"MM\x00*", "image/tiff", "TIFF"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "PNG"),
    (b"\xff\xd8\xff", "image/jpeg", "JPEG"),
)
TOLL_FREE_LOA_TYPES = ("application/pdf", "image/tiff")


@dataclass(frozen=True)
class LoaDetails:
    account_name: str
    address: str
    numbers: list[str]
    losing_carrier: str
    signed_name: str
    signed_at: datetime


def sniff(head: bytes) -> str | None:
    """The MIME type the content shows, or None when it is none of the accepted formats."""
    for signature, content_type, _ in SIGNATURES:
        if head.startswith(signature):
            return content_type
    return None


def accepted_formats() -> str:
    return ", ".join(dict.fromkeys(name for _, _, name in SIGNATURES))


def render_loa(details: LoaDetails) -> bytes:
    """A one-page letter of authorization signed with the typed name."""
    pdf = FPDF(format="Letter")
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 12, "Letter of Authorization", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=11)
    text = (
        f"I, {details.signed_name}, am authorized to act for {details.account_name}, the "
        f"customer of record with {details.losing_carrier or 'the current carrier'} at "
        f"{details.address}. I authorize Parley and its carrier partner Bandwidth to port the "
        "telephone numbers below away from the current carrier, and the current carrier to "
        "release them. I understand that the current service for these numbers ends when the "
        "port completes."
    )
    pdf.multi_cell(0, 6, _latin1(text), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(0, 7, "Telephone numbers", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=11)
    for number in details.numbers:
        pdf.cell(0, 6, phones.format_number(number), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.cell(0, 6, _latin1(f"Signed: {details.signed_name}"), new_x="LMARGIN", new_y="NEXT")
    when = details.signed_at.strftime("%Y-%m-%d %H:%M UTC")
    pdf.cell(0, 6, f"Date: {when}", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 6, "Signed electronically by typing the name above, with consent.", new_x="LMARGIN")
    return bytes(pdf.output())


def _latin1(text: str) -> str:
    """The core PDF fonts hold Latin-1; anything else is shown as '?'."""
    return text.encode("latin-1", "replace").decode("latin-1")
