"""The test run: Essaim's one settings module, with a throwaway secret and data directory."""

import os
import tempfile

os.environ.setdefault("ESSAIM_SECRET_KEY", "tests-only-" + "k" * 40)
os.environ.setdefault("ESSAIM_DATA_DIR", tempfile.mkdtemp(prefix="essaim-tests-"))

from essaim.settings import *  # noqa: E402,F403

# Tests read templates through the finders; no collectstatic manifest is needed.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TEMPLATES[0]["OPTIONS"]["string_if_invalid"] = "INVALID[%s]"  # noqa: F405
# Static files straight from the source folders, as in development.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# A file, not memory, for SQLite: the concurrency tests need separate connections that lock.
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": os.path.join(os.environ["ESSAIM_DATA_DIR"], "tests.sqlite3")
    }
# Search by meaning is turned on by the tests that are about it (tests/search/test_semantic.py):
# elsewhere the results are those of the words alone, and no model is loaded.
ESSAIM = {**ESSAIM, "SEMANTIC_SEARCH": False}  # noqa: F405
# Jobs run at once, in the test's own transaction (the worker's tests use the database queue).
TASKS = {
    "default": {
        "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
        "QUEUES": TASKS["default"]["QUEUES"],  # noqa: F405
    }
}
