from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("switch-tenant/", views.switch_tenant, name="switch-tenant"),
    path("profile/", views.profile, name="profile"),
    path("profile/password/", views.password_change, name="password-change"),
    path("profile/two-factor/", views.two_factor_setup, name="two-factor-setup"),
    path("profile/two-factor/off/", views.two_factor_disable, name="two-factor-disable"),
    path("accounts/two-factor/", views.two_factor_verify, name="two-factor-verify"),
    path("accounts/invite/<uidb64>/<token>/", views.invite_accept, name="invite-accept"),
    path(
        "accounts/password-reset/",
        auth_views.PasswordResetView.as_view(),
        name="password_reset",
    ),
    path(
        "accounts/password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("settings/", views.settings_index, name="settings"),
    path("settings/members/", views.members, name="settings-members"),
    path("settings/members/<int:pk>/role/", views.member_change_role, name="member-role"),
    path("settings/members/<int:pk>/remove/", views.member_remove, name="member-remove"),
    path("settings/members/<int:pk>/reinvite/", views.member_reinvite, name="member-reinvite"),
    path("settings/security/", views.security, name="settings-security"),
    path("settings/tokens/", views.tokens, name="settings-tokens"),
    path("settings/calling/", views.outbound_policy, name="settings-outbound"),
    path("settings/tokens/<int:pk>/revoke/", views.token_revoke, name="token-revoke"),
]
