"""Every write to tenants, memberships and API tokens."""

from __future__ import annotations

import functools
import logging
import secrets
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ParamSpec, TypeVar

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User as DjangoUser
from django.contrib.auth.tokens import default_token_generator
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.mail import mail_admins, send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.text import slugify
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from core import phones
from core.destinations import DestinationRules, destination_check

from . import selectors, signals, tokens
from .errors import Conflict, OutboundLimitReached, ParleyError, PermissionDenied
from .models import (
    ApiToken,
    BlockedNumber,
    Membership,
    OutboundChannel,
    OutboundPolicy,
    Tenant,
    validate_timezone,
)

User = get_user_model()
logger = logging.getLogger("parley.tenants")
P = ParamSpec("P")
R = TypeVar("R")

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
    invited: bool


def invitation_link(user: Any) -> str:
    """A one-time link to choose a password: it stops working once a password is set (the
    token covers the password hash) or after PASSWORD_RESET_TIMEOUT."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return f"{settings.PUBLIC_BASE_URL}{reverse('invite-accept', args=[uid, token])}"


def _send_invitation(membership: Membership, *, new_user: bool, invited_by: Any) -> None:
    user, tenant = membership.user, membership.tenant
    by = invited_by.get_full_name() or invited_by.email
    if new_user:
        action = f"Choose your password to sign in (the link works once):\n{invitation_link(user)}"
    else:
        action = f"Sign in with your usual password: {settings.PUBLIC_BASE_URL}/accounts/login/"
    body = (
        f"{by} added you to {tenant.name} on Parley as {membership.get_role_display()}.\n\n"
        f"{action}\n\nIf you did not expect this, ignore this email."
    )
    subject = f"You're invited to {tenant.name} on Parley"
    address = user.email
    transaction.on_commit(lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address]))


@transaction.atomic
def membership_add(*, actor: Membership, email: str, role: str) -> MemberAdded:
    """Adds a member and emails them: a one-time link to choose a password when they are new to
    Parley, a note when they already have an account. No password is ever shown."""
    _require_manager(actor)
    _check_role_change(actor, role)
    email = _clean_email(email)
    tenant = actor.tenant
    user = User.objects.filter(email__iexact=email).first()
    new_user = user is None
    if user is None:
        user = User.objects.create_user(username=email, email=email, password=None)
    elif Membership.objects.for_tenant(tenant).filter(user=user).exists():
        raise Conflict(f"{email} is already a member of {tenant.name}.", field="email")
    membership = Membership.objects.create(tenant=tenant, user=user, role=role)
    _send_invitation(membership, new_user=new_user, invited_by=actor.user)
    return MemberAdded(membership=membership, invited=new_user)


@transaction.atomic
def membership_reinvite(*, actor: Membership, membership: Membership) -> None:
    """Sends a new link to a member who has not chosen a password yet."""
    _require_manager(actor)
    if membership.tenant_id != actor.tenant_id:
        raise PermissionDenied("That member belongs to another tenant.")
    if membership.user.has_usable_password():
        raise Conflict("This member already chose a password.")
    _send_invitation(membership, new_user=True, invited_by=actor.user)


PROFILE_NAME_MAX = 150


@transaction.atomic
def membership_profile_update(
    *,
    membership: Membership,
    first_name: str,
    last_name: str,
    phone: str,
    timezone_name: str,
    notify_browser: bool,
    notify_sound: bool,
    notify_email: bool,
) -> Membership:
    """A member's own profile: their name, the phone rung first for click-to-call (E.164, read
    in the tenant's region, allowed by the tenant's calling policy), their time zone (empty
    follows the tenant's) and how they are notified."""
    tenant = membership.tenant
    first_name, last_name = first_name.strip(), last_name.strip()
    if len(first_name) > PROFILE_NAME_MAX:
        raise ParleyError("The first name is too long.", field="first_name")
    if len(last_name) > PROFILE_NAME_MAX:
        raise ParleyError("The last name is too long.", field="last_name")
    phone = phone.strip()
    if phone:
        phone = phones.normalize_number(phone, field="phone", region=tenant.default_region)
        outbound_destination_check(
            tenant=tenant, channel=OutboundChannel.CALLS, number=phone, field="phone"
        )
    timezone_name = timezone_name.strip()
    if timezone_name:
        try:
            validate_timezone(timezone_name)
        except ValidationError as exc:
            raise ParleyError(exc.messages[0], field="timezone") from None
    user = membership.user
    user.first_name, user.last_name = first_name, last_name
    user.save(update_fields=["first_name", "last_name"])
    membership.phone = phone
    membership.timezone = timezone_name
    membership.notify_browser = notify_browser
    membership.notify_sound = notify_sound
    membership.notify_email = notify_email
    membership.save(
        update_fields=["phone", "timezone", "notify_browser", "notify_sound", "notify_email"]
    )
    return membership


@transaction.atomic
def tenant_security_update(*, actor: Membership, require_two_factor: bool) -> Tenant:
    """Owners decide whether every member must sign in with a one-time code."""
    if actor.role != Membership.Role.OWNER:
        raise PermissionDenied("Only an owner can change sign-in requirements.")
    tenant = Tenant.objects.select_for_update().get(pk=actor.tenant_id)
    tenant.require_two_factor = require_two_factor
    tenant.save(update_fields=["require_two_factor"])
    signals.tenant_changed.send(sender=Tenant, tenant_ids=[tenant.pk])
    return tenant


# --- two-factor sign-in (TOTP, django-otp) ------------------------------------------------------


def two_factor_enabled(user: Any) -> bool:
    return bool(user.is_authenticated and user_has_device(user, confirmed=True))


@transaction.atomic
def two_factor_start(*, user: Any) -> TOTPDevice:
    """A new, unconfirmed authenticator for ``user`` (an earlier unconfirmed one is replaced)."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)


def two_factor_confirm(*, user: Any, token: str) -> TOTPDevice:
    """Confirms the pending authenticator with a code it shows; other devices are removed.
    Not one transaction: a wrong code's throttling must be kept when the refusal is raised."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        raise ParleyError("Start the set-up again.", field="token")
    _verify(device, token)
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
    return device


def _code_of(token: str) -> str:
    return token.strip().replace(" ", "")


def _verify(device: TOTPDevice, token: str) -> None:
    """After a wrong code the next try must wait (1 s, doubling with each failure, django-otp's
    throttling, saved on the device), so codes cannot be guessed quickly."""
    allowed, _ = device.verify_is_allowed()
    if not allowed:
        raise ParleyError(
            "Too many wrong codes in a row; wait a few seconds and try again.", field="token"
        )
    if not device.verify_token(_code_of(token)):
        raise ParleyError("That code is not right; enter the 6 digits shown now.", field="token")


def two_factor_check(*, user: Any, token: str) -> TOTPDevice:
    """The user's authenticator when ``token`` is its current code (the second step of signing
    in). Not one transaction, so a wrong code's throttling is kept."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        raise ParleyError("There is no authenticator app on this account.", field="token")
    _verify(device, token)
    return device


def two_factor_disable(*, user: Any, token: str) -> None:
    """Removes the user's authenticator; a current code proves it is them."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        return
    _verify(device, token)
    TOTPDevice.objects.filter(user=user).delete()


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
    if any(unicodedata.category(ch) == "Cc" for ch in name):
        raise ParleyError(
            "The name may not contain control characters.", field="name", code="invalid_characters"
        )
    if len(name) > 80:
        raise ParleyError("The name may be at most 80 characters.", field="name")
    if expires_at is not None and expires_at <= timezone.now():
        raise ParleyError("The expiry must be in the future.", field="expires_at")
    issued = tokens.issue()
    token = ApiToken.objects.create(
        tenant=tenant,
        name=name,
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


# --- outbound policy: where a tenant may call and text, and how fast it may call ----------------

OUTBOUND_ALERT_INTERVAL_SECONDS = 3600
OUTBOUND_POLICY_FIELDS = frozenset(
    {
        "call_countries",
        "text_countries",
        "allow_premium",
        "allow_international_networks",
        "max_concurrent_calls",
        "max_calls_per_hour",
        "max_new_destinations_per_day",
    }
)


@transaction.atomic
def outbound_policy_get(*, tenant: Tenant) -> OutboundPolicy:
    """The tenant's policy row, created with the defaults the first time it is needed."""
    policy = OutboundPolicy.objects.for_tenant(tenant).first()
    if policy is not None:
        return policy
    try:
        with transaction.atomic():
            return OutboundPolicy.objects.create(tenant=tenant)
    except IntegrityError:
        return OutboundPolicy.objects.for_tenant(tenant).get()


def outbound_policy_lock(*, tenant: Tenant) -> OutboundPolicy:
    """The tenant's policy row, locked until the caller's transaction ends: whoever holds it is
    the only one counting this tenant's calls against the limits. Never hold it across a request
    to Bandwidth or any other network call."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("outbound_policy_lock must be called inside a transaction.")
    pk = outbound_policy_get(tenant=tenant).pk
    return OutboundPolicy.objects.select_for_update().get(pk=pk)


@transaction.atomic
def outbound_policy_update(*, tenant: Tenant, **values: Any) -> OutboundPolicy:
    """Staff's change to a tenant's policy; caches built on it (compiled call routes) are
    dropped by the row's save."""
    policy = OutboundPolicy.objects.select_for_update().get(
        pk=outbound_policy_get(tenant=tenant).pk
    )
    for name, value in values.items():
        if name not in OUTBOUND_POLICY_FIELDS:
            raise ParleyError(f"{name} is not an outbound policy setting.", field=name)
        if name.endswith("_countries") and isinstance(value, list | tuple):
            value = [str(code).strip().upper() for code in value]
        setattr(policy, name, value)
    try:
        policy.full_clean(exclude=["tenant"])
    except ValidationError as error:
        name, problems = next(iter(error.message_dict.items()))
        raise ParleyError(problems[0], field=name) from None
    policy.save()
    return policy


def destination_rules(*, tenant: Tenant, channel: str) -> DestinationRules:
    """What ``tenant`` may reach on ``channel`` (calls or texts), from its policy."""
    policy = selectors.outbound_policy_of(tenant=tenant)
    return DestinationRules.of(
        policy.countries_for(channel),
        allow_premium=policy.allow_premium,
        allow_international_networks=policy.allow_international_networks,
    )


def outbound_destinations_check(
    *, tenant: Tenant, channel: str, targets: Iterable[tuple[str, str]]
) -> None:
    """The toll-fraud check every outbound path goes through before it writes or sends anything:
    each ``(field, E.164 number)`` must be allowed for ``tenant`` on ``channel``. Raises
    ``core.destinations.DestinationNotAllowed`` (403) naming the first refused field."""
    targets = list(targets)
    if not targets:
        return
    rules = destination_rules(tenant=tenant, channel=channel)
    for field, number in targets:
        destination_check(number, rules=rules, field=field)


def outbound_destination_check(
    *, tenant: Tenant, channel: str, number: str, field: str | None = None
) -> str:
    """One number through the same check; returns its country."""
    return destination_check(
        number, rules=destination_rules(tenant=tenant, channel=channel), field=field
    )


def outbound_limit_alert(*, reached: OutboundLimitReached) -> bool:
    """Tells staff a tenant hit a limit: a WARNING every time, and an email to the site admins
    (``ADMINS``) at most once per tenant and limit an hour. True when the email went out."""
    logger.warning(
        "tenant %s (%s) reached its %s limit: %s",
        reached.tenant_name,
        reached.tenant_id,
        reached.limit,
        reached.message,
    )
    key = f"parley:outbound-limit-alert:{reached.tenant_id}:{reached.limit}"
    if not cache.add(key, 1, OUTBOUND_ALERT_INTERVAL_SECONDS):
        return False
    mail_admins(
        f"{reached.tenant_name} reached its {reached.limit.replace('_', ' ')} limit",
        f"Tenant {reached.tenant_name} ({reached.tenant_id}) was refused a call: "
        f"{reached.message}\n\nIf this is expected, raise the limit on the tenant's page in the "
        "admin (Outbound policy); if not, look at its recent calls before it costs more. "
        "This alert is sent at most once an hour per tenant and limit.",
        fail_silently=True,
    )
    return True


def alerts_staff_on_limits(func: Callable[P, R]) -> Callable[P, R]:
    """Around a service that may raise ``OutboundLimitReached``: staff are alerted once the
    service's transaction has ended, so no lock is held while the email goes out."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except OutboundLimitReached as reached:
            outbound_limit_alert(reached=reached)
            raise

    return wrapper


@transaction.atomic
def blocked_number_add(*, tenant: Tenant, number: str, reason: str = "") -> BlockedNumber:
    number = phones.normalize_number(number, field="number", region=tenant.default_region)
    blocked, _ = BlockedNumber.objects.get_or_create(
        tenant=tenant, number=number, defaults={"reason": reason[:200]}
    )
    return blocked


@transaction.atomic
def blocked_number_remove(*, blocked: BlockedNumber) -> None:
    blocked.delete()
