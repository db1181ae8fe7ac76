"""A diagnostic's result as its pages show it: the organisation's (every sent response),
the respondent's own, and last time's beside them."""

from .models import Diagnostic, Response
from .questionnaire import questionnaire
from .scoring import Result, result_of, with_progress


def sent_responses(diagnostic: Diagnostic) -> list[Response]:
    return [r for r in diagnostic.responses.all() if r.submitted_at is not None]


def organisation_result(diagnostic: Diagnostic) -> Result | None:
    """The result of a diagnostic's sent answers, or None before the first is sent."""
    sent = sent_responses(diagnostic)
    return result_of(questionnaire(), [r.answers for r in sent]) if sent else None


def results_of(diagnostic: Diagnostic, response: Response | None) -> dict:
    responses = list(diagnostic.responses.all())
    sent = [r for r in responses if r.submitted_at is not None]
    result = result_of(questionnaire(), [r.answers for r in sent]) if sent else None
    previous = diagnostic.previous
    # Last time is the same organisation's (or, for a diagnostic of no organisation, the same
    # respondents' taken on their own): never another organisation's.
    same = previous is not None and previous.organisation_id == diagnostic.organisation_id
    before = organisation_result(previous) if same else None
    if result is not None:
        with_progress(result, before)
    own = None
    # One's own scores beside the others' only from three: with two, the mean would give away
    # the colleague's.
    if response is not None and response.submitted_at is not None and len(sent) > 2:
        own = result_of(questionnaire(), [response.answers])
    return {
        "result": result,
        "before": before,
        "own": own,
        "sent": sent,
        "waiting": len(responses) - len(sent),
    }
