"""Jobs for the worker's tests: each leaves a trace in the audit trail, so that a test sees
what ran, and how many times."""

from essaim.core.actions import audit
from essaim.core.jobs import job
from essaim.core.models import AuditEntry


@job()
def leave_a_trace(number: int) -> int:
    audit("test.job_ran", number)
    return number


@job(attempts=3)
def fail_until_third_attempt(number: int) -> None:
    """Fails on its first two attempts (it counts its traces), then succeeds."""
    audit("test.job_tried", number)
    if AuditEntry.objects.filter(action="test.job_tried", target_id=number).count() < 3:
        raise RuntimeError("the mail server does not answer")
