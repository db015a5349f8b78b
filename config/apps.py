from django.contrib.admin.apps import AdminConfig


class ParleyAdminConfig(AdminConfig):
    """Django's admin with Parley's site as ``admin.site`` (named as a string: config imports no
    app)."""

    default_site = "tenants.admin_site.ParleyAdminSite"
