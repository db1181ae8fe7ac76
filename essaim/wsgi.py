"""WSGI entry point for production servers (gunicorn essaim.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "essaim.settings")
application = get_wsgi_application()

# Each web process follows the changes other servers (and commands) make to the database:
# its server's search index applies them within a second (core/feed.py).
from essaim.core import feed  # noqa: E402  (Django is set up only now)

feed.start_following()
