"""Contacts from a CSV file: every row checked for a preview, then the good rows written in one
transaction with bulk statements (a Celery task for large files), and exported back to CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from compliance import services as compliance_services
from core.phones import InvalidPhoneNumber, normalize_number
from tenants.errors import ParleyError
from tenants.models import Tenant

from ..models import Contact, ContactImport, Tag
from .contacts import MAX_NAME, tag_names_clean, tags_get_or_create

MAX_BYTES = 10_000_000
MAX_ROWS = 50_000
# Files up to this many rows are imported in the request; larger ones by a task.
INLINE_ROWS = 1000
BATCH = 2000
PREVIEW_ROWS = 10

NUMBER_HEADERS = ("number", "phone", "phone number", "mobile", "cell", "telephone", "tel")
NAME_HEADERS = ("name", "full name", "contact", "contact name")
FIRST_HEADERS = ("first name", "first", "given name")
LAST_HEADERS = ("last name", "last", "surname", "family name")
NOTES_HEADERS = ("notes", "note", "comment", "comments")
TAGS_HEADERS = ("tags", "tag", "labels")
EXPORT_HEADER = ["number", "name", "notes", "tags", "opted_out"]


@dataclass(frozen=True)
class Row:
    line: int
    number: str
    name: str
    notes: str
    tags: list[str]


@dataclass
class Parsed:
    rows: list[Row] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    total: int = 0
    columns: dict[str, str] = field(default_factory=dict)


def _decode(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise ParleyError(f"The file is larger than {MAX_BYTES // 1_000_000} MB.", field="file")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ParleyError("The file is not UTF-8 text.", field="file")


def _column(header: list[str], names: tuple[str, ...]) -> int | None:
    lowered = [" ".join(h.strip().lower().replace("_", " ").split()) for h in header]
    for name in names:
        if name in lowered:
            return lowered.index(name)
    return None


def _cell(values: list[str], index: int | None) -> str:
    if index is None or index >= len(values):
        return ""
    return values[index].strip()


def contacts_csv_parse(*, tenant: Tenant, content: str, limit: int | None = None) -> Parsed:
    """Every row of the file, checked: a number the tenant's region can read (``core.phones``),
    a name and tags within their lengths, and no number twice. Bad rows become errors naming
    their line (the header is line 1); nothing is written. With ``limit``, only the first rows
    are read (a preview)."""
    reader = csv.reader(io.StringIO(content))
    header = next(reader, None)
    if not header:
        raise ParleyError("The file is empty.", field="file")
    number_at = _column(header, NUMBER_HEADERS)
    if number_at is None:
        raise ParleyError(
            "The first row must name the columns, one of them “number” (or “phone”).",
            field="file",
            code="no_number_column",
        )
    name_at = _column(header, NAME_HEADERS)
    first_at, last_at = _column(header, FIRST_HEADERS), _column(header, LAST_HEADERS)
    notes_at, tags_at = _column(header, NOTES_HEADERS), _column(header, TAGS_HEADERS)
    parsed = Parsed()
    parsed.columns = {
        key: header[at].strip()
        for key, at in (
            ("number", number_at),
            ("name", name_at),
            ("first name", first_at),
            ("last name", last_at),
            ("notes", notes_at),
            ("tags", tags_at),
        )
        if at is not None
    }
    seen: dict[str, int] = {}
    region = tenant.default_region
    for line, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        if limit is not None and parsed.total >= limit:
            break
        parsed.total += 1
        if parsed.total > MAX_ROWS:
            raise ParleyError(f"The file has more than {MAX_ROWS} rows.", field="file")
        raw = _cell(values, number_at)
        name = _cell(values, name_at) or " ".join(
            part for part in (_cell(values, first_at), _cell(values, last_at)) if part
        )
        try:
            number = normalize_number(raw, field="number", region=region)
            if len(name) > MAX_NAME:
                raise ParleyError(f"The name is longer than {MAX_NAME} characters.", field="name")
            tags = tag_names_clean(
                _cell(values, tags_at).replace(";", ",").split(","), field="tags"
            )
            if number in seen:
                raise ParleyError(f"The same number as line {seen[number]}.", field="number")
        except InvalidPhoneNumber as exc:
            message = exc.message if raw else "The number is missing."
            parsed.errors.append({"line": line, "number": raw, "error": message})
            continue
        except ParleyError as exc:
            parsed.errors.append({"line": line, "number": raw, "error": exc.message})
            continue
        seen[number] = line
        parsed.rows.append(Row(line, number, name, _cell(values, notes_at), tags))
    if parsed.total == 0:
        raise ParleyError("The file has a header but no rows.", field="file")
    return parsed


def _existing(tenant: Tenant, numbers: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for start in range(0, len(numbers), BATCH):
        chunk = numbers[start : start + BATCH]
        found.update(
            Contact.objects.for_tenant(tenant).filter(number__in=chunk).values_list("number", "pk")
        )
    return found


@transaction.atomic
def contact_import_preview(
    *,
    tenant: Tenant,
    filename: str,
    data: bytes,
    duplicates: str = ContactImport.Duplicates.SKIP,
    tag: str = "",
    created_by: Any = None,
) -> tuple[ContactImport, Parsed]:
    """Checks the whole file and keeps it, waiting for confirmation; returns the import and
    what was read (its first rows are the preview)."""
    if duplicates not in ContactImport.Duplicates.values:
        raise ParleyError(
            "Choose skip or update for numbers already in contacts.", field="duplicates"
        )
    tag_names = tag_names_clean([tag], field="tag")
    content = _decode(data)
    parsed = contacts_csv_parse(tenant=tenant, content=content)
    existing = _existing(tenant, [r.number for r in parsed.rows])
    tags = tags_get_or_create(tenant=tenant, names=tag_names)
    contact_import = ContactImport.objects.create(
        tenant=tenant,
        filename=(filename or "")[:200],
        content=content,
        duplicates=duplicates,
        tag=tags[0] if tags else None,
        total_rows=parsed.total,
        valid_rows=len(parsed.rows),
        created_count=len(parsed.rows) - len(existing),
        updated_count=len(existing) if duplicates == ContactImport.Duplicates.UPDATE else 0,
        skipped_count=len(existing) if duplicates == ContactImport.Duplicates.SKIP else 0,
        errors=parsed.errors,
        created_by=created_by if getattr(created_by, "pk", None) else None,
    )
    return contact_import, parsed


@transaction.atomic
def contact_import_start(*, contact_import: ContactImport, duplicates: str | None = None) -> bool:
    """Confirms a previewed import. Small files are imported now (True); larger ones are queued
    for a task after commit (False)."""
    locked = ContactImport.objects.select_for_update().get(pk=contact_import.pk)
    if locked.status != ContactImport.Status.PREVIEW:
        raise ParleyError("This import was already started.", code="already_started")
    if duplicates is not None:
        if duplicates not in ContactImport.Duplicates.values:
            raise ParleyError(
                "Choose skip or update for numbers already in contacts.", field="duplicates"
            )
        locked.duplicates = duplicates
    if not locked.valid_rows:
        raise ParleyError("No row of the file can be imported.", field="file", code="no_rows")
    locked.status = ContactImport.Status.QUEUED
    locked.save(update_fields=["status", "duplicates"])
    if locked.total_rows <= INLINE_ROWS:
        contact_import_run(import_id=locked.pk)
        contact_import.refresh_from_db()
        return True
    from ..tasks import run_contact_import

    import_id = locked.pk
    transaction.on_commit(lambda: run_contact_import.delay(import_id))
    contact_import.refresh_from_db()
    return False


def _progress_key(import_id: int) -> str:
    return f"parley:contact-import:{import_id}:done"


def contact_import_progress(contact_import: ContactImport) -> int:
    """Rows written so far (from the cache, since the rows commit together at the end)."""
    if contact_import.status == ContactImport.Status.DONE:
        return contact_import.total_rows
    return int(cache.get(_progress_key(contact_import.pk)) or 0)


def _write(tenant: Tenant, contact_import: ContactImport, parsed: Parsed) -> tuple[int, int, int]:
    """Bulk inserts and updates of the good rows; the caller's transaction holds them."""
    key = _progress_key(contact_import.pk)
    cache.set(key, len(parsed.errors), 3600)  # a run after a crash starts its count again
    update = contact_import.duplicates == ContactImport.Duplicates.UPDATE
    existing = _existing(tenant, [r.number for r in parsed.rows])
    names = _all_tag_names(parsed, contact_import)
    tags = {t.name.lower(): t for t in tags_get_or_create(tenant=tenant, names=names)}
    created = updated = skipped = 0
    ids: dict[str, int] = dict(existing)
    for start in range(0, len(parsed.rows), BATCH):
        chunk = parsed.rows[start : start + BATCH]
        new = [
            Contact(tenant=tenant, number=r.number, name=r.name, notes=r.notes)
            for r in chunk
            if r.number not in existing
        ]
        for contact in Contact.objects.bulk_create(new, batch_size=BATCH):
            ids[contact.number] = contact.pk
        created += len(new)
        old = [r for r in chunk if r.number in existing]
        if update and old:
            changed = []
            for r in old:
                contact = Contact(pk=existing[r.number], tenant=tenant, number=r.number)
                contact.name, contact.notes = r.name, r.notes
                changed.append(contact)
            Contact.objects.bulk_update(changed, ["name", "notes"], batch_size=BATCH)
            updated += len(old)
        else:
            skipped += len(old)
        links = []
        for r in chunk:
            wanted = list(r.tags) if (r.number not in existing or update) else []
            if contact_import.tag:
                wanted.append(contact_import.tag.name)
            for name in wanted:
                links.append(
                    Contact.tags.through(contact_id=ids[r.number], tag_id=tags[name.lower()].pk)
                )
        Contact.tags.through.objects.bulk_create(links, batch_size=BATCH, ignore_conflicts=True)
        ContactImport.contacts.through.objects.bulk_create(
            [
                ContactImport.contacts.through(
                    contactimport_id=contact_import.pk, contact_id=ids[r.number]
                )
                for r in chunk
            ],
            batch_size=BATCH,
            ignore_conflicts=True,
        )
        cache.set(key, start + len(chunk) + len(parsed.errors), 3600)
    return created, updated, skipped


def _all_tag_names(parsed: Parsed, contact_import: ContactImport) -> list[str]:
    seen: dict[str, str] = {}
    for r in parsed.rows:
        for name in r.tags:
            seen.setdefault(name.lower(), name)
    if contact_import.tag:
        seen.setdefault(contact_import.tag.name.lower(), contact_import.tag.name)
    return list(seen.values())


def contact_import_run(*, import_id: int) -> str:
    """Writes a confirmed import: every good row or none (one transaction); a run that finds it
    done does nothing, so a task retried after a crash never imports twice."""
    ContactImport.objects.filter(pk=import_id, status=ContactImport.Status.QUEUED).update(
        status=ContactImport.Status.RUNNING
    )
    with transaction.atomic():
        contact_import = (
            ContactImport.objects.select_for_update(of=("self",))
            .select_related("tenant", "tag")
            .get(pk=import_id)
        )
        if contact_import.status not in (ContactImport.Status.QUEUED, ContactImport.Status.RUNNING):
            return contact_import.status
        tenant = contact_import.tenant
        try:
            parsed = contacts_csv_parse(tenant=tenant, content=contact_import.content)
        except ParleyError as exc:
            contact_import.status = ContactImport.Status.FAILED
            contact_import.failure = exc.message[:300]
            contact_import.save(update_fields=["status", "failure"])
            return contact_import.status
        created, updated, skipped = _write(tenant, contact_import, parsed)
        contact_import.status = ContactImport.Status.DONE
        contact_import.total_rows = parsed.total
        contact_import.valid_rows = len(parsed.rows)
        contact_import.created_count = created
        contact_import.updated_count = updated
        contact_import.skipped_count = skipped
        contact_import.errors = parsed.errors
        contact_import.content = ""
        contact_import.finished_at = timezone.now()
        contact_import.save()
        numbers = [r.number for r in parsed.rows]
        transaction.on_commit(lambda: _look_up_line_types(tenant, numbers), robust=True)
    return contact_import.status


def _look_up_line_types(tenant: Tenant, numbers: list[str]) -> None:
    """Once the contacts are committed: one bulk line-type lookup of the numbers not cached
    (more only past Bandwidth's 15,000 a request), so their sends need not wait on one. Nothing
    here fails the import: a lookup Bandwidth does not accept is logged and the sends look those
    numbers up one by one."""
    if settings.LINE_TYPE_LOOKUP_ON_SEND:
        compliance_services.line_types_bulk_start(tenant=tenant, numbers=numbers)


def contact_imports_stuck() -> list[int]:
    """Confirmed imports whose task was lost (broker down, worker killed): queued or running for
    over a minute. Running one again is safe: it waits for a live run and then finds it done."""
    since = timezone.now() - timedelta(seconds=60)
    return list(
        ContactImport.objects.filter(
            status__in=[ContactImport.Status.QUEUED, ContactImport.Status.RUNNING],
            created_at__lt=since,
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:100]
    )


@transaction.atomic
def contact_import_discard(*, contact_import: ContactImport) -> None:
    locked = ContactImport.objects.select_for_update().get(pk=contact_import.pk)
    if locked.status == ContactImport.Status.PREVIEW:
        locked.status = ContactImport.Status.DISCARDED
        locked.content = ""
        locked.save(update_fields=["status", "content"])


def contacts_csv_export(*, tenant: Tenant, tag: Tag | None = None) -> Iterator[str]:
    """The tenant's contacts as CSV lines (the header first), in the shape an import reads."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(values: list[Any]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(values)
        return buffer.getvalue()

    yield line(EXPORT_HEADER)
    rows = Contact.objects.for_tenant(tenant).prefetch_related("tags").order_by("number")
    if tag is not None:
        rows = rows.filter(tags=tag)
    for contact in rows.iterator(chunk_size=2000):
        yield line(
            [
                contact.number,
                _safe(contact.name),
                _safe(contact.notes),
                ";".join(t.name for t in contact.tags.all()),
                "yes" if contact.opted_out else "",
            ]
        )


def _safe(value: str) -> str:
    """A cell a spreadsheet will not run as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value
