"""The one table a run prints, and the notes that explain its failing rows."""

from __future__ import annotations

from collections.abc import Sequence

from .accounting import Tally

COLUMNS = ("scenario", "sent", "landed", "lost", "dup sends", "dup rows", "settled", "result")


def table(tallies: Sequence[Tally]) -> str:
    rows = [
        (
            t.scenario,
            str(t.sent),
            str(t.landed),
            str(t.lost),
            str(t.duplicate_sends),
            str(t.duplicate_rows),
            "never" if t.settled_after is None else f"{t.settled_after:.0f} s",
            "ok" if t.ok else ("ERROR" if t.error else "FAIL"),
        )
        for t in tallies
    ]
    widths = [max(len(c), *(len(r[i]) for r in rows)) for i, c in enumerate(COLUMNS)]

    def line(cells: Sequence[str]) -> str:
        first = cells[0].ljust(widths[0])
        rest = [cell.rjust(width) for cell, width in zip(cells[1:], widths[1:], strict=True)]
        return "  ".join([first, *rest])

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(COLUMNS), rule, *(line(r) for r in rows)])


def notes(tallies: Sequence[Tally]) -> str:
    """Per scenario: what the faults did (``+``), then what went wrong or is worth a look
    (``!``)."""
    lines = []
    for t in tallies:
        lines.append(f"{t.scenario} ({t.outbound} out, {t.inbound} in, {t.seconds:.0f} s):")
        lines += [f"  + {line}" for line in t.evidence]
        lines += [f"  ! {line}" for line in ([f"error: {t.error}"] if t.error else []) + t.notes]
    return "\n".join(lines)


LEGEND = (
    "sent: texts sent through the API plus texts customers sent (through the emulator); "
    "landed: received by Bandwidth and stored by Parley (outbound), stored by Parley "
    "(inbound); dup sends: extra copies Bandwidth received; dup rows: extra message rows; "
    "settled: from the end of the traffic until everything had landed."
)
