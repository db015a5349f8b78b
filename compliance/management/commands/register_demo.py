from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from compliance import demo
from core.errors import ParleyError
from tenants.models import Tenant


class Command(BaseCommand):
    help = (
        "Registers a tenant for texting through the local emulator's simulation endpoints: "
        "profile, brand verified, campaign approved (make run's demo tenant; development only). "
        "With --later a worker does it once the emulator answers."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--slug", default="demo-co")
        parser.add_argument("--later", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        tenant = Tenant.objects.filter(slug=options["slug"]).first()
        if tenant is None:
            raise CommandError(f"No tenant {options['slug']!r}.")
        if options["later"]:
            from compliance.tasks import register_through_emulator

            register_through_emulator.delay(str(tenant.pk))
            self.stdout.write(f"  texting   the worker registers {tenant.name} on the emulator")
            return
        try:
            campaign = demo.register_through_emulator(tenant=tenant)
        except ParleyError as error:
            raise CommandError(error.message) from error
        self.stdout.write(f"{tenant.name}: campaign {campaign.bandwidth_campaign_id} approved")
