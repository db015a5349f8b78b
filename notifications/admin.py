from django.contrib import admin

from .models import AwayEmail, Event


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "tenant", "kind", "number", "conversation"]
    list_filter = ["kind"]
    raw_id_fields = ["conversation"]
    readonly_fields = ["created_at"]


@admin.register(AwayEmail)
class AwayEmailAdmin(admin.ModelAdmin):
    list_display = ["membership", "last_sent_at", "last_event_id"]
    raw_id_fields = ["membership"]
