from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_POST

from bench.models import Write


@require_POST
def bare_write(request):
    """One upsert and a JSON reply: the ceiling an autosave is measured against.

    It keeps the CSRF check (the autosave pays it too) but never touches the session or the user,
    so the difference to the autosave is exactly the app's own work.
    """
    try:
        key, value = request.POST["key"][:40], int(request.POST["value"])
    except (KeyError, ValueError):
        return JsonResponse({"error": "Send 'key' and an integer 'value'."}, status=400)
    Write.objects.bulk_create(
        [Write(key=key, value=value, saved_at=timezone.now())],
        update_conflicts=True,
        unique_fields=["key"],
        update_fields=["value", "saved_at"],
    )
    return JsonResponse({"saved": True})


@require_POST
def bare_user(request):
    """No write, only the session and user lookups the autosave pays: their cost, for bench/breakdown.py."""
    return JsonResponse({"user": request.user.pk})
