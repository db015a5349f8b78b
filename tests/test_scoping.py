"""Proof that no tenant-owned query bypasses the scoped base.

1. Statically: outside selectors, services, routing, admin and migrations, no module of the apps
   touches the manager of a tenant-owned model (``Model.objects`` / ``_default_manager``).
2. At run time: every API view that serves rows stands on ``TenantViewSet``, whose queryset
   comes only from a selector called with ``tenant=request.tenant``.
"""

from __future__ import annotations

import ast
from pathlib import Path

from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.generics import GenericAPIView

from tenants.api_base import TenantViewSet
from tenants.models import TenantOwnedModel

ROOT = Path(__file__).resolve().parents[1]
APPS = ["tenants", "usage", "carrier", "numbers", "messaging", "voice", "notifications"]
# routing.py is where a webhook learns the tenant from our number, so it reads across tenants.
ALLOWED = {"selectors.py", "services.py", "admin.py", "models.py", "routing.py"}
# A services or selectors module split by concern is a package of the same name.
ALLOWED_PACKAGES = {"services", "selectors"}


def tenant_owned_model_names() -> set[str]:
    return {model.__name__ for model in apps.get_models() if issubclass(model, TenantOwnedModel)}


def test_no_module_reaches_a_tenant_owned_manager_directly():
    owned = tenant_owned_model_names()
    assert {"Membership", "ApiToken"} <= owned
    offenders = []
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if (
                "migrations" in path.parts
                or path.name in ALLOWED
                or path.parent.name in ALLOWED_PACKAGES
            ):
                continue
            tree = ast.parse(path.read_text(), str(path))
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.Attribute)
                    and node.attr in {"objects", "_default_manager", "_base_manager"}
                    and isinstance(node.value, ast.Name)
                    and node.value.id in owned
                ):
                    offenders.append(
                        f"{path.relative_to(ROOT)}:{node.lineno} {node.value.id}.{node.attr}"
                    )
    assert offenders == []


def _views(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _views(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.callback


def test_every_api_view_with_rows_is_tenant_scoped():
    checked = 0
    for route, callback in _views(get_resolver().url_patterns):
        view_class = getattr(callback, "cls", None)
        if not route.startswith("api/v1/") or view_class is None:
            continue
        if issubclass(view_class, GenericAPIView):
            assert issubclass(view_class, TenantViewSet), route
            checked += 1
    assert checked > 0
