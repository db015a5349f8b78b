"""Contacts written by people (create, edit, delete) and the tags on contacts and conversations."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import IntegrityError, transaction

from core.phones import normalize_number
from tenants.errors import ParleyError
from tenants.models import Tenant

from ..models import Contact, Conversation, OptOut, Tag

MAX_NAME = 120
MAX_TAG = 40
MAX_TAGS = 20


def tag_names_clean(names: Iterable[str], *, field: str = "tags") -> list[str]:
    """The names as stored: trimmed, at most ``MAX_TAG`` characters, no repeats (any case)."""
    cleaned: list[str] = []
    seen: set[str] = set()
    for raw in names:
        name = " ".join(str(raw).split())
        if not name:
            continue
        if len(name) > MAX_TAG:
            raise ParleyError(
                f"The tag “{name[:50]}” is longer than {MAX_TAG} characters.", field=field
            )
        if name.lower() not in seen:
            seen.add(name.lower())
            cleaned.append(name)
    if len(cleaned) > MAX_TAGS:
        raise ParleyError(f"At most {MAX_TAGS} tags.", field=field)
    return cleaned


def tags_get_or_create(*, tenant: Tenant, names: Iterable[str]) -> list[Tag]:
    """The tenant's tags of these (already cleaned) names, created when missing; a name matches an
    existing tag whatever its case."""
    wanted = list(names)
    if not wanted:
        return []
    existing = {t.name.lower(): t for t in Tag.objects.for_tenant(tenant)}
    missing = [n for n in wanted if n.lower() not in existing]
    if missing:
        Tag.objects.bulk_create(
            [Tag(tenant=tenant, name=n) for n in missing], ignore_conflicts=True
        )
        existing = {t.name.lower(): t for t in Tag.objects.for_tenant(tenant)}
    return [existing[n.lower()] for n in wanted if n.lower() in existing]


def _contact_fields(name: str | None, notes: str | None) -> None:
    if name is not None and len(name.strip()) > MAX_NAME:
        raise ParleyError(f"The name is longer than {MAX_NAME} characters.", field="name")
    if notes is not None and len(notes) > 5000:
        raise ParleyError("The notes are longer than 5000 characters.", field="notes")


@transaction.atomic
def contact_create(
    *,
    tenant: Tenant,
    number: str,
    name: str = "",
    notes: str = "",
    tags: Iterable[str] = (),
) -> Contact:
    e164 = normalize_number(number, field="number", region=tenant.default_region)
    _contact_fields(name, notes)
    tag_names = tag_names_clean(tags)
    if Contact.objects.for_tenant(tenant).filter(number=e164).exists():
        raise ParleyError(f"{e164} is already a contact.", field="number", code="duplicate")
    try:
        with transaction.atomic():
            contact = Contact.objects.create(
                tenant=tenant, number=e164, name=name.strip(), notes=notes
            )
    except IntegrityError as exc:
        raise ParleyError(
            f"{e164} is already a contact.", field="number", code="duplicate"
        ) from exc
    contact.tags.set(tags_get_or_create(tenant=tenant, names=tag_names))
    return contact


@transaction.atomic
def contact_update(
    *,
    contact: Contact,
    name: str | None = None,
    notes: str | None = None,
    tags: Iterable[str] | None = None,
) -> Contact:
    _contact_fields(name, notes)
    tag_names = tag_names_clean(tags) if tags is not None else None
    if name is not None:
        contact.name = name.strip()
    if notes is not None:
        contact.notes = notes
    contact.save(update_fields=["name", "notes"])
    if tag_names is not None:
        contact.tags.set(tags_get_or_create(tenant=contact.tenant, names=tag_names))
    return contact


@transaction.atomic
def contact_delete(*, contact: Contact) -> bool:
    """Deletes the contact; its conversations and their messages stay. A number with an opt-out
    history stays on the opt-out list: its name, notes and tags are cleared instead, so a later
    send still respects the STOP. True when the row was deleted."""
    has_history = (
        contact.opted_out
        or OptOut.objects.for_tenant(contact.tenant).filter(contact=contact).exists()
    )
    if has_history:
        contact.name, contact.notes = "", ""
        contact.save(update_fields=["name", "notes"])
        contact.tags.clear()
        return False
    contact.delete()
    return True


@transaction.atomic
def conversation_set_tags(*, conversation: Conversation, tags: Iterable[str]) -> Conversation:
    names = tag_names_clean(tags)
    conversation.tags.set(tags_get_or_create(tenant=conversation.tenant, names=names))
    return conversation


@transaction.atomic
def tag_delete(*, tag: Tag) -> None:
    """Removes the tag from every contact and conversation. A tag a broadcast was aimed at is
    kept (the broadcast's record names it)."""
    from ..models import Broadcast

    if Broadcast.objects.for_tenant(tag.tenant).filter(tag=tag).exists():
        raise ParleyError(
            f"The tag {tag.name} was used by a broadcast and is kept for its report.",
            field="tag",
            code="in_use",
        )
    tag.delete()
