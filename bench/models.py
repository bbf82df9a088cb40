from django.db import models


class Write(models.Model):
    """The bare view's one row per key: the cheapest write Django can make, as a yardstick."""

    key = models.CharField(max_length=40, unique=True)
    value = models.IntegerField()
    saved_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.key
