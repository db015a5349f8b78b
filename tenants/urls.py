from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("switch-tenant/", views.switch_tenant, name="switch-tenant"),
    path("settings/", views.settings_index, name="settings"),
    path("settings/members/", views.members, name="settings-members"),
    path("settings/members/<int:pk>/role/", views.member_change_role, name="member-role"),
    path("settings/members/<int:pk>/remove/", views.member_remove, name="member-remove"),
    path("settings/tokens/", views.tokens, name="settings-tokens"),
    path("settings/calling/", views.outbound_policy, name="settings-outbound"),
    path("settings/tokens/<int:pk>/revoke/", views.token_revoke, name="token-revoke"),
]
