from celery import shared_task

from core.locks import try_lock

from . import services


@shared_task(ignore_result=True)
def send_away_emails() -> int:
    """Emails members who are away about new texts, missed calls and voicemail (batched)."""
    with try_lock("notifications-away-emails", 120) as held:
        if not held:
            return 0
        return services.away_emails_send()
