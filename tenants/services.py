"""Every write to tenants, memberships and API tokens."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User as DjangoUser
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from . import signals, tokens
from .errors import Conflict, ParleyError, PermissionDenied
from .models import ApiToken, Membership, Tenant, validate_timezone

User = get_user_model()

ALL_SCOPES = [choice.value for choice in ApiToken.Scope]


@dataclass(frozen=True)
class TenantCreated:
    tenant: Tenant
    owner: Any
    password: str
    api_token: str


def _unique_slug(name: str) -> str:
    base = slugify(name)[:50] or "tenant"
    slug = base
    while Tenant.objects.filter(slug=slug).exists():
        slug = f"{base}-{secrets.token_hex(2)}"
    return slug


def _clean_email(email: str) -> str:
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ParleyError(f"{email!r} is not a valid email address.", field="email") from None
    return email


def _user_for_email(email: str, password: str | None) -> tuple[Any, str]:
    """The user with this email, or a new one with ``password`` (generated when not given)."""
    user = User.objects.filter(email__iexact=email).first()
    if user is not None:
        return user, ""
    password = password or secrets.token_urlsafe(12)
    user = User.objects.create_user(username=email, email=email, password=password)
    return user, password


@transaction.atomic
def tenant_create(
    *,
    name: str,
    owner_email: str,
    password: str | None = None,
    tenant_timezone: str = "America/New_York",
) -> TenantCreated:
    name = name.strip()
    if not name:
        raise ParleyError("A tenant needs a name.", field="name")
    email = _clean_email(owner_email)
    try:
        validate_timezone(tenant_timezone)
    except ValidationError as exc:
        raise ParleyError(exc.messages[0], field="timezone") from None
    tenant = Tenant.objects.create(name=name, slug=_unique_slug(name), timezone=tenant_timezone)
    owner, new_password = _user_for_email(email, password)
    Membership.objects.create(tenant=tenant, user=owner, role=Membership.Role.OWNER)
    issued = api_token_create(tenant=tenant, name="Default", scopes=ALL_SCOPES, created_by=owner)
    signals.tenant_created.send(sender=Tenant, tenant=tenant)
    return TenantCreated(tenant=tenant, owner=owner, password=new_password, api_token=issued[1])


@transaction.atomic
def tenant_suspend(*, tenant: Tenant) -> Tenant:
    tenant.status = Tenant.Status.SUSPENDED
    tenant.save(update_fields=["status"])
    signals.tenant_changed.send(sender=Tenant, tenant_ids=[tenant.pk])
    return tenant


@transaction.atomic
def tenant_reactivate(*, tenant: Tenant) -> Tenant:
    tenant.status = Tenant.Status.ACTIVE
    tenant.save(update_fields=["status"])
    signals.tenant_changed.send(sender=Tenant, tenant_ids=[tenant.pk])
    return tenant


def _require_manager(actor: Membership) -> None:
    if not actor.can_manage:
        raise PermissionDenied("Only owners and admins can manage members and API tokens.")


def _check_role_change(actor: Membership, role: str) -> None:
    if role not in Membership.Role.values:
        raise ParleyError(f"{role!r} is not a role (owner, admin or agent).", field="role")
    if role == Membership.Role.OWNER and actor.role != Membership.Role.OWNER:
        raise PermissionDenied("Only an owner can make someone an owner.", field="role")


def _owners_left_after(membership: Membership) -> int:
    """Owners other than this one, counted under row locks so two owners demoting each other at
    once cannot both pass."""
    owners = (
        Membership.objects.for_tenant(membership.tenant)
        .select_for_update()
        .filter(role=Membership.Role.OWNER)
        .values_list("pk", flat=True)
    )
    return len([pk for pk in owners if pk != membership.pk])


@dataclass(frozen=True)
class MemberAdded:
    membership: Membership
    temporary_password: str


@transaction.atomic
def membership_add(*, actor: Membership, email: str, role: str) -> MemberAdded:
    _require_manager(actor)
    _check_role_change(actor, role)
    email = _clean_email(email)
    tenant = actor.tenant
    user, temporary_password = _user_for_email(email, None)
    if Membership.objects.for_tenant(tenant).filter(user=user).exists():
        raise Conflict(f"{email} is already a member of {tenant.name}.", field="email")
    membership = Membership.objects.create(tenant=tenant, user=user, role=role)
    return MemberAdded(membership=membership, temporary_password=temporary_password)


@transaction.atomic
def membership_change_role(*, actor: Membership, membership: Membership, role: str) -> Membership:
    _require_manager(actor)
    _check_role_change(actor, role)
    if membership.tenant_id != actor.tenant_id:
        raise PermissionDenied("That member belongs to another tenant.")
    if membership.role == Membership.Role.OWNER and actor.role != Membership.Role.OWNER:
        raise PermissionDenied("Only an owner can change an owner's role.", field="role")
    demoting_owner = membership.role == Membership.Role.OWNER and role != membership.role
    if demoting_owner and _owners_left_after(membership) == 0:
        raise Conflict("A tenant keeps at least one owner.", field="role")
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def membership_remove(*, actor: Membership, membership: Membership) -> None:
    _require_manager(actor)
    if membership.tenant_id != actor.tenant_id:
        raise PermissionDenied("That member belongs to another tenant.")
    if membership.role == Membership.Role.OWNER:
        if actor.role != Membership.Role.OWNER:
            raise PermissionDenied("Only an owner can remove an owner.")
        if _owners_left_after(membership) == 0:
            raise Conflict("A tenant keeps at least one owner.")
    membership.delete()


def _clean_scopes(scopes: list[str]) -> list[str]:
    unknown = sorted(set(scopes) - set(ALL_SCOPES))
    if unknown:
        raise ParleyError(
            f"Unknown scope {', '.join(unknown)}; choose from {', '.join(ALL_SCOPES)}.",
            field="scopes",
        )
    if not scopes:
        raise ParleyError("Choose at least one scope.", field="scopes")
    return [scope for scope in ALL_SCOPES if scope in scopes]


@transaction.atomic
def api_token_create(
    *,
    tenant: Tenant,
    name: str,
    scopes: list[str],
    created_by: DjangoUser | None = None,
    expires_at: datetime | None = None,
) -> tuple[ApiToken, str]:
    """Creates a token and returns it with its plaintext, which is never available again."""
    name = name.strip()
    if not name:
        raise ParleyError("Give the token a name.", field="name")
    if expires_at is not None and expires_at <= timezone.now():
        raise ParleyError("The expiry must be in the future.", field="expires_at")
    issued = tokens.issue()
    token = ApiToken.objects.create(
        tenant=tenant,
        name=name[:80],
        prefix=issued.prefix,
        secret_hash=issued.secret_hash,
        scopes=_clean_scopes(scopes),
        created_by=created_by,
        expires_at=expires_at,
    )
    return token, issued.plaintext


@transaction.atomic
def api_token_revoke(*, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def api_token_touch(*, token: ApiToken) -> None:
    """Records use at most once a minute, so authentication is not a write per request."""
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
