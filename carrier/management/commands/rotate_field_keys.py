from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from carrier import services


class Command(BaseCommand):
    help = (
        "Re-encrypts every encrypted field with the newest key of FIELD_ENCRYPTION_KEYS; "
        "afterwards the older keys can be dropped."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            results = services.field_keys_rotate()
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from None
        for result in results:
            self.stdout.write(
                f"{result.field}: {result.rotated} re-encrypted, "
                f"{result.already_current} already under the newest key, "
                f"{len(result.unreadable)} unreadable"
            )
        unreadable = [f"{r.field} pk {pk}" for r in results for pk in r.unreadable]
        if unreadable:
            raise CommandError(
                "No configured key decrypts these values; keep the key that wrote them: "
                + ", ".join(unreadable)
            )
