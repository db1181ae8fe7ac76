"""Whether this server is alive (`/healthz`: it answers) and ready for visitors (`/readyz`: its
database answers, its search index is level with the database, its job queue moves), for a
load balancer or a supervisor. Neither says more than states and counts."""

import logging

from django.db import DatabaseError
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from . import feed, jobs
from .models import FeedEntry

logger = logging.getLogger(__name__)
# Not ready while changes wait and its index has not moved for this long (seconds): a search
# there would miss what others wrote. An index busy applying a large import moves.
MAX_INDEX_STALL = 30


@never_cache
def alive(request) -> JsonResponse:
    return JsonResponse({"status": "alive"})


@never_cache
def ready(request) -> JsonResponse:
    checks = {}
    try:
        FeedEntry.objects.exists()  # the database answers a query
        checks["database"] = "ok"
        lag = feed.lag()
        checks["queue"] = jobs.queue_state()
    except DatabaseError as failure:
        logger.error("Not ready: the database does not answer: %s", failure)
        return JsonResponse({"status": "not ready", "database": "unreachable"}, status=503)
    checks["index"] = lag
    ready = lag["entries"] is not None and lag["stalled_seconds"] <= MAX_INDEX_STALL
    status = "ready" if ready else "not ready"
    return JsonResponse({"status": status, **checks}, status=200 if ready else 503)
