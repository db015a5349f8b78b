from __future__ import annotations

from typing import Any

from rest_framework import serializers

from .models import ApiToken, Membership, Tenant


class TenantSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tenant
        fields = ["id", "name", "slug", "status", "timezone", "default_region", "created_at"]


class MembershipSerializer(serializers.ModelSerializer):
    email = serializers.EmailField(source="user.email", read_only=True)
    name = serializers.SerializerMethodField()

    class Meta:
        model = Membership
        fields = ["id", "email", "name", "role", "phone", "created_at"]

    def get_name(self, obj: Membership) -> str:
        return obj.user.get_full_name() or obj.user.get_username()


class ApiTokenSerializer(serializers.ModelSerializer):
    scopes = serializers.ListField(
        child=serializers.ChoiceField(ApiToken.Scope.choices), min_length=1
    )

    class Meta:
        model = ApiToken
        fields = [
            "id",
            "name",
            "prefix",
            "scopes",
            "created_at",
            "last_used_at",
            "expires_at",
            "revoked_at",
        ]
        read_only_fields = ["prefix", "created_at", "last_used_at", "revoked_at"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # A form's empty field would otherwise read as "not given" (a token that never expires).
        raw = getattr(self, "initial_data", {})
        if hasattr(raw, "get") and raw.get("expires_at") == "":
            raise serializers.ValidationError(
                {"expires_at": ["Give a date-time, or leave the field out for no expiry."]}
            )
        return attrs


class ApiTokenCreatedSerializer(ApiTokenSerializer):
    token = serializers.SerializerMethodField(
        help_text="The full token. It is shown only this once."
    )

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "token"]

    def get_token(self, obj: Any) -> str:
        return str(self.context["plaintext"])
