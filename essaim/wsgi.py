"""WSGI entry point for production servers (gunicorn essaim.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "essaim.settings")
application = get_wsgi_application()

# Django is set up only now.
from django.urls import get_resolver  # noqa: E402

from essaim.core import feed  # noqa: E402
from essaim.search import embeddings  # noqa: E402

# Each web process follows the changes other servers (and commands) make to the database:
# its server's search index applies them within a second (core/feed.py).
feed.start_following()
# Before the worker takes requests, so that no visitor after a restart waits for them:
# importing every view (half a second) and loading the search model (a second).
get_resolver().url_patterns  # noqa: B018  (imported as it is read)
embeddings.warm_up()
