from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse

from .models import UsageCounter, UsageLimit


@admin.register(UsageCounter)
class UsageCounterAdmin(admin.ModelAdmin):
    """Usage across tenants; the list's filters also narrow the totals above it."""

    list_display = ["day", "tenant", "metric", "quantity"]
    list_filter = ["metric", "day", "tenant"]
    date_hierarchy = "day"
    search_fields = ["tenant__name", "tenant__slug"]
    list_select_related = ["tenant"]
    change_list_template = "admin/usage/usagecounter/change_list.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        response = super().changelist_view(request, extra_context)
        context = getattr(response, "context_data", None)
        if context and "cl" in context:
            rows = (
                context["cl"]
                .queryset.order_by()
                .values("metric")
                .annotate(total=Sum("quantity"))
                .order_by("metric")
            )
            context["usage_totals"] = list(rows)
        return response


@admin.register(UsageLimit)
class UsageLimitAdmin(admin.ModelAdmin):
    list_display = ["tenant", "monthly_segments", "monthly_minutes", "updated_at"]
    search_fields = ["tenant__name", "tenant__slug"]
    autocomplete_fields = ["tenant"]
    readonly_fields = ["warned_segments_month", "warned_minutes_month", "updated_at"]
