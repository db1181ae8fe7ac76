"""Fixtures of the import and exchange tests."""

import pytest

from essaim.atlas.indexing import rebuild_search_index
from essaim.atlas.models import Change, Organisation


@pytest.fixture
def atlas(demo):
    """The demo's taxonomies, without its organisations: an empty atlas to import into, and
    an empty index."""
    Organisation.objects.all().delete()
    Change.objects.all().delete()
    rebuild_search_index()
