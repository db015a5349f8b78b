from django.db import models


class Lock(models.Model):
    """A lock held in the database (see core.locks): one row per held lock, its holder's token."""

    name = models.CharField(max_length=200, primary_key=True)
    holder = models.CharField(max_length=64)
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.name
