from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html_join

from bandwidth.errors import BandwidthError
from core import phones
from tenants.errors import ParleyError

from . import routes, selectors, services
from .models import Call, CallEvent, CallRoute, Recording, Voicemail


class CallEventInline(admin.TabularInline):
    model = CallEvent
    extra = 0
    can_delete = False
    fields = ["event_time", "event_type", "step", "summary"]
    readonly_fields = ["event_time", "event_type", "step", "summary"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class RecordingInline(admin.TabularInline):
    model = Recording
    extra = 0
    can_delete = False
    fields = ["bandwidth_recording_id", "duration", "media_file", "transcription_status"]
    readonly_fields = ["bandwidth_recording_id", "duration", "media_file", "transcription_status"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Call)
class CallAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "tenant",
        "direction",
        "our_number",
        "other_party",
        "status",
        "cause",
        "duration",
        "created_at",
    ]
    list_filter = ["direction", "status", "tenant"]
    search_fields = ["our_number", "other_party", "bandwidth_call_id", "agent_number"]
    readonly_fields = [field.name for field in Call._meta.fields]
    inlines = [RecordingInline, CallEventInline]
    list_select_related = ["tenant"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Recording)
class RecordingAdmin(admin.ModelAdmin):
    list_display = [
        "bandwidth_recording_id",
        "tenant",
        "call",
        "duration",
        "transcription_status",
        "media_downloaded_at",
    ]
    list_filter = ["transcription_status", "tenant"]
    search_fields = ["bandwidth_recording_id", "transcription_text"]
    readonly_fields = [field.name for field in Recording._meta.fields]
    actions = ["download_media", "fetch_transcription"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Download the media again from Bandwidth")
    def download_media(self, request: HttpRequest, queryset: QuerySet[Recording]) -> None:
        for recording in queryset:
            try:
                services.recording_download(recording=recording)
            except BandwidthError as exc:
                messages.warning(request, f"{recording}: Bandwidth answered {exc}.")

    @admin.action(description="Fetch the transcription from Bandwidth")
    def fetch_transcription(self, request: HttpRequest, queryset: QuerySet[Recording]) -> None:
        for recording in queryset:
            try:
                services.recording_fetch_transcription(recording=recording)
            except BandwidthError as exc:
                messages.warning(request, f"{recording}: Bandwidth answered {exc}.")


@admin.register(Voicemail)
class VoicemailAdmin(admin.ModelAdmin):
    list_display = ["id", "tenant", "call", "listened", "created_at"]
    list_filter = ["listened", "tenant"]
    readonly_fields = ["tenant", "call", "recording", "listened_at", "listened_by", "created_at"]
    actions = ["mark_listened", "mark_new"]

    @admin.action(description="Mark listened")
    def mark_listened(self, request: HttpRequest, queryset: QuerySet[Voicemail]) -> None:
        for voicemail in queryset:
            services.voicemail_mark(voicemail=voicemail, listened=True, user=request.user)

    @admin.action(description="Mark new")
    def mark_new(self, request: HttpRequest, queryset: QuerySet[Voicemail]) -> None:
        for voicemail in queryset:
            services.voicemail_mark(voicemail=voicemail, listened=False, user=None)


class CallRouteForm(forms.ModelForm):
    class Meta:
        model = CallRoute
        fields = ["tenant", "phone_number", "config", "greeting_audio"]

    def clean_config(self) -> Any:
        tenant = self.cleaned_data.get("tenant")
        region = tenant.default_region if tenant is not None else phones.DEFAULT_REGION
        try:
            return routes.validate_config(self.cleaned_data.get("config"), region=region)
        except ParleyError as exc:
            raise forms.ValidationError(f"{exc.field}: {exc.message}") from None


@admin.register(CallRoute)
class CallRouteAdmin(admin.ModelAdmin):
    form = CallRouteForm
    list_display = ["phone_number", "tenant", "updated_at"]
    list_filter = ["tenant"]
    search_fields = ["phone_number__number"]
    readonly_fields = ["bxml_preview"]

    @admin.display(description="BXML preview")
    def bxml_preview(self, obj: CallRoute) -> str:
        """The BXML each case gets: for staff only (tenant users see the route editor)."""
        if obj.pk is None:
            return "-"
        compiled = selectors.build_compiled(number=obj.phone_number, route=obj)
        return format_html_join(
            "",
            '<h4>{}</h4><pre class="bxml">{}</pre>',
            ((label, xml) for label, xml in routes.preview_cases(compiled)),
        )

    def save_model(self, request: HttpRequest, obj: CallRoute, form: Any, change: bool) -> None:
        """Through the service, so the document is validated and the cached route dropped."""
        try:
            services.call_route_save(
                tenant=obj.tenant,
                phone_number=obj.phone_number,
                config=obj.config,
                greeting_audio=form.cleaned_data.get("greeting_audio") or None
                if "greeting_audio" in form.changed_data
                else None,
            )
        except ParleyError as exc:
            messages.error(request, f"Not saved: {exc.field}: {exc.message}")
