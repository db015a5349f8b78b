from typing import Any

from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "messaging"

    def ready(self) -> None:
        from numbers import ports

        from . import memo

        memo.connect_signals()
        ports.provide_text_sender(_send_text)


def _send_text(*, tenant: Any, from_number: str, to: str, text: str) -> Any:
    """For voice's missed-call text: the whole send path, so caps and opt-outs apply."""
    from .services import message_send

    return message_send(tenant=tenant, from_number=from_number, to=[to], text=text)
