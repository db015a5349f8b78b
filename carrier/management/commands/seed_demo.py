from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from carrier import services as carrier_services
from tenants import selectors, services
from tenants.models import Tenant

DEMO_EMAIL = "demo@parley.test"
DEMO_PASSWORD = "parley-demo"
TOKEN_NAME = "make run"


class Command(BaseCommand):
    help = (
        "Seeds the demo tenant once and prints its login and a fresh API token (development only)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", default="Demo Co")

    def handle(self, *args: Any, **options: Any) -> None:
        tenant = Tenant.objects.filter(slug="demo-co").first()
        if tenant is None:
            created = services.tenant_create(
                name=options["name"], owner_email=DEMO_EMAIL, password=DEMO_PASSWORD
            )
            tenant = created.tenant
        else:
            # Seeded by an earlier run: the emulator may have restarted since, so the worker
            # checks the tenant's apps on Bandwidth and provisions again what is missing.
            with transaction.atomic():
                carrier_services.provisioning_enqueue(tenant=tenant, verify=True)
        for token in selectors.api_token_list(tenant=tenant).filter(
            name=TOKEN_NAME, revoked_at=None
        ):
            services.api_token_revoke(token=token)
        _, plaintext = services.api_token_create(
            tenant=tenant, name=TOKEN_NAME, scopes=services.ALL_SCOPES
        )
        self.stdout.write(
            self.style.SUCCESS("Parley demo tenant ready")
            + f"\n  tenant    {tenant.name} ({tenant.slug})"
            + f"\n  login     {DEMO_EMAIL}"
            + f"\n  password  {DEMO_PASSWORD}"
            + f"\n  api token {plaintext}"
            + "\n  numbers   the worker provisions the tenant on Bandwidth (see /numbers/)"
        )
