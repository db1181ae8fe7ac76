"""Property-based test of the OpenAPI document: schemathesis generates requests from it for
every read operation and sends them to the application (in-process, no network). Whatever it
sends, Essaim never answers a server error, and every answer matches what the document says."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

# The application alone (essaim.wsgi would also start a server's change-feed follower).
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
# Requests that fit the document, and requests that break it (wrong types, out of bounds,
# missing parameters): neither may reach a server error.
schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE])


@pytest.fixture
def in_test_transaction():
    """Keep the test's database connection across requests, as Django's test client does."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
@schema.include(method="GET").parametrize()
@settings(max_examples=30, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))  # fmt: skip
def test_the_api_never_fails_whatever_it_is_sent(case, demo, in_test_transaction):
    # Werkzeug's test client does not decompress: ask for plain answers. A request the
    # document allows may still be refused for what it means (sort=distance without near,
    # a page past the last): a 400 or 404 in the documented shape, never a server error.
    case.call_and_validate(
        headers={"Accept-Encoding": "identity"}, excluded_checks=[positive_data_acceptance]
    )


@pytest.mark.django_db
@schema.exclude(method="GET").parametrize()
@settings(max_examples=30, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))  # fmt: skip
def test_the_write_api_never_fails_whatever_a_moderator_sends(
    case, demo, moderator, in_test_transaction
):
    from essaim.accounts.actions import do_create_api_token

    _token, key = do_create_api_token(moderator, "property tests")
    case.call_and_validate(
        headers={"Accept-Encoding": "identity", "Authorization": f"Bearer {key}"},
        excluded_checks=[positive_data_acceptance],
    )
