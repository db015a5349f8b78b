import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tenants import services
from tenants.errors import ParleyError


class Command(BaseCommand):
    help = "Creates a tenant, its owner and one API token (printed once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", required=True)
        parser.add_argument("--owner-email", required=True)
        parser.add_argument("--password", help="The owner's password; generated when omitted.")
        parser.add_argument("--timezone", default="America/New_York")
        parser.add_argument("--json", action="store_true", help="Print one JSON object.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            created = services.tenant_create(
                name=options["name"],
                owner_email=options["owner_email"],
                password=options["password"],
                tenant_timezone=options["timezone"],
            )
        except ParleyError as exc:
            raise CommandError(f"{exc.field or 'input'}: {exc.message}") from None
        result = {
            "tenant": created.tenant.slug,
            "tenant_id": str(created.tenant.id),
            "login": created.owner.email,
            "password": created.password or options["password"] or "(existing user's password)",
            "api_token": created.api_token,
        }
        if options["json"]:
            self.stdout.write(json.dumps(result))
            return
        for key, value in result.items():
            self.stdout.write(f"{key:10} {value}")
