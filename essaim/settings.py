"""Essaim's one settings module, driven by environment variables (see README, Configuration)."""

import json
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("ESSAIM_DEBUG")
DATA_DIR = Path(os.environ.get("ESSAIM_DATA_DIR", BASE_DIR.parent / "data")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

SECRET_KEY = os.environ.get("ESSAIM_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set ESSAIM_SECRET_KEY (or ESSAIM_DEBUG=1 for development).")
    SECRET_KEY = "development-only-key-never-used-in-production-" + "x" * 20

ALLOWED_HOSTS = env_list("ESSAIM_ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("ESSAIM_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # First, so that its createsuperuser (an administrator who can sign in) is the one run.
    "essaim.accounts",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.forms",
    "django_countries",
    "ninja",
    "essaim.core",
    "essaim.atlas",
    "essaim.contributions",
    "essaim.competences",
    "essaim.commons",
    "essaim.diagnostics",
    "essaim.matching",
    "essaim.observatory",
    "essaim.network",
    "essaim.search",
    "essaim.exchange",
    "essaim.api",
    "django_ratelimit",
    "django_tasks",
    "django_tasks_db",
    "allauth",
    "allauth.account",
]

MIDDLEWARE = [
    "essaim.core.middleware.LongAddressMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "essaim.core.middleware.DataCompressionMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "essaim.core.middleware.ContentSecurityPolicyMiddleware",
    "essaim.core.middleware.BusyDatabaseMiddleware",
]

ROOT_URLCONF = "essaim.urls"
WSGI_APPLICATION = "essaim.wsgi.application"

# Widgets' templates are found where every other template is (essaim/templates).
FORM_RENDERER = "essaim.core.fields.FormRenderer"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "essaim.core.context_processors.site",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL",
        default=f"sqlite:///{DATA_DIR / 'essaim.sqlite3'}",
        conn_max_age=60,
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # WAL lets the web workers read while a write is under way.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
else:
    # A connection kept from an earlier request is checked before it is used again: after
    # the database restarts, requests reconnect instead of failing on a dead connection.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

# Background jobs (core/jobs.py): a queue in the database, run by `essaim worker`.
TASKS = {
    "default": {
        "BACKEND": os.environ.get("ESSAIM_JOBS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default", "imports"],
    }
}

# Shared by every web worker without another service: rate-limit counters live in the database.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "essaim_cache",
    }
}
# The database cache increments without a lock: two simultaneous requests may count once.
# For rate limits (not quotas) that is acceptable, and it keeps Essaim a single service.
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.E003", "django_ratelimit.W001"]
# When the counters cannot be written, a visitor is let through rather than told they sent
# too much: they did not.
RATELIMIT_FAIL_OPEN = True
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # SQLite has one writer at a time: a large import would keep the counters from being
    # written. Files in the data directory are shared by every worker and never locked.
    CACHES["ratelimit"] = {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(DATA_DIR / "ratelimit"),
        "OPTIONS": {"MAX_ENTRIES": 20000},
    }
    RATELIMIT_USE_CACHE = "ratelimit"

# Accounts: email and password only, email verified before anything else (django-allauth).
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_ADAPTER = "essaim.accounts.adapter.AccountAdapter"
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
# Confirming the address (in the browser that signed up) signs the member in and brings them
# back to the page they signed up from.
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if env_bool("ESSAIM_HTTPS") else "http"
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/5m/key", "signup": "20/h/ip"}
LOGIN_REDIRECT_URL = "home"
LOGIN_URL = "account_login"

# Email: written to files in the data directory unless an SMTP server is configured.
if os.environ.get("ESSAIM_SMTP_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = os.environ["ESSAIM_SMTP_HOST"]
    EMAIL_PORT = int(os.environ.get("ESSAIM_SMTP_PORT", "587"))
    EMAIL_HOST_USER = os.environ.get("ESSAIM_SMTP_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("ESSAIM_SMTP_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("ESSAIM_SMTP_TLS", default=True)
else:
    EMAIL_BACKEND = os.environ.get(
        "ESSAIM_EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend"
    )
    EMAIL_FILE_PATH = DATA_DIR / "mail"
DEFAULT_FROM_EMAIL = os.environ.get("ESSAIM_FROM_EMAIL", "essaim@localhost")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "fr"
FORMAT_MODULE_PATH = ["essaim.formats"]
LANGUAGES = [("fr", _("French")), ("en", _("English")), ("it", _("Italian")), ("es", _("Spanish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("ESSAIM_TIME_ZONE", "Europe/Paris")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded files (organisations' logos) in the data directory; Essaim serves the logos itself
# (atlas.views.logo_file), nothing else from here.
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Fingerprinted names and brotli/gzip copies: static files are cached for a year.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_MAX_AGE = 365 * 24 * 3600 if not DEBUG else 0

# Production hardening; `essaim check --deploy` is clean when ESSAIM_HTTPS=1.
HTTPS = env_bool("ESSAIM_HTTPS")
SECURE_SSL_REDIRECT = HTTPS
# A load balancer asks these over plain HTTP, on the private network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

# Essaim's own settings.
ESSAIM = {
    "SITE_NAME": os.environ.get("ESSAIM_SITE_NAME", "Essaim"),
    "INDEX_DIR": Path(os.environ.get("ESSAIM_INDEX_DIR", DATA_DIR / "index")),
    "DATA_LICENCE": os.environ.get("ESSAIM_DATA_LICENCE", "ODbL-1.0"),
    "DATA_LICENCE_URL": os.environ.get(
        "ESSAIM_DATA_LICENCE_URL", "https://opendatacommons.org/licenses/odbl/1-0/"
    ),
    # A tile server is a third party: none by default; the offline basemap is used.
    "TILE_URL": os.environ.get("ESSAIM_TILE_URL", ""),
    "TILE_ATTRIBUTION": os.environ.get("ESSAIM_TILE_ATTRIBUTION", ""),
    # Or a PMTiles archive of vector tiles on this server's disk (a Protomaps basemap build,
    # for instance), served by Essaim itself and drawn by the vendored protomaps-leaflet.
    "PMTILES": os.environ.get("ESSAIM_PMTILES", ""),
    "PUBLIC_URL": os.environ.get("ESSAIM_PUBLIC_URL", "http://127.0.0.1:8000"),
    # Above this many matches, facet counts are estimated from a sixteenth of them.
    "FACET_SAMPLE_ABOVE": int(os.environ.get("ESSAIM_FACET_SAMPLE_ABOVE", "200000")),
    "MAP_SAMPLE_ABOVE": int(os.environ.get("ESSAIM_MAP_SAMPLE_ABOVE", "100000")),
    "NAME_FIRST_ABOVE": int(os.environ.get("ESSAIM_NAME_FIRST_ABOVE", "200000")),
    # Where visitors write about their data and the instance.
    "CONTACT_EMAIL": os.environ.get(
        "ESSAIM_CONTACT_EMAIL", os.environ.get("ESSAIM_FROM_EMAIL", "essaim@localhost")
    ),
    # Collaborative mode: this many approving votes from members, and no objection, publish a
    # suggestion without a moderator (an objection sends it to the moderators).
    "COLLABORATIVE": env_bool("ESSAIM_COLLABORATIVE"),
    "VOTES_TO_PUBLISH": int(os.environ.get("ESSAIM_VOTES_TO_PUBLISH", "3")),
    # This many open reports hide an entry until a moderator decides.
    "REPORTS_TO_HIDE": int(os.environ.get("ESSAIM_REPORTS_TO_HIDE", "3")),
    # Reports never hide an entry confirmed (or edited by a representative or a moderator)
    # within these days: a moderator looks first.
    "REPORT_PROTECTION_DAYS": int(os.environ.get("ESSAIM_REPORT_PROTECTION_DAYS", "90")),
    # Days after an event when its registrations' personal data is erased (forget_registrations).
    "REGISTRATION_RETENTION_DAYS": int(os.environ.get("ESSAIM_REGISTRATION_RETENTION_DAYS", "90")),
    # Search by meaning beside search by words (a multilingual model on the server's CPU);
    # off, search is lexical only and no model is loaded.
    "SEMANTIC_SEARCH": env_bool("ESSAIM_SEMANTIC_SEARCH", True),
    # From this many meaning vectors on, `essaim embed` builds a graph (approximate nearest
    # neighbours) shared by the processes; below, every search scans the vectors exactly.
    "VECTOR_GRAPH_FROM": int(os.environ.get("ESSAIM_VECTOR_GRAPH_FROM", "200000")),
    # The search engine: a class implementing essaim.search.query.SearchBackend, given the
    # index directory.
    "SEARCH_BACKEND": os.environ.get("ESSAIM_SEARCH_BACKEND", "essaim.search.index.SearchIndex"),
    # What the indexed documents hold (an essaim.search.query.DocumentLayout): the atlas's.
    "SEARCH_DOCUMENTS": "essaim.atlas.documents.LAYOUT",
    # Search and map answers remembered per index commit, per web process (0 turns it off).
    "SEARCH_CACHE_SIZE": int(os.environ.get("ESSAIM_SEARCH_CACHE_SIZE", "256")),
    # Days of daily snapshots kept (essaim snapshot).
    "SNAPSHOTS_KEEP": int(os.environ.get("ESSAIM_SNAPSHOTS_KEEP", "30")),
    # Days a link to a diagnostic's answers lasts after they were last saved.
    "DIAGNOSTIC_LINK_DAYS": int(os.environ.get("ESSAIM_DIAGNOSTIC_LINK_DAYS", "365")),
    # The network's figures of diagnostics never show a group of fewer organisations.
    "DIAGNOSTIC_GROUP_MIN": int(os.environ.get("ESSAIM_DIAGNOSTIC_GROUP_MIN", "5")),
    # The fewest organisations a survey's published group may have (small-cell suppression).
    "SURVEY_GROUP_MIN": int(os.environ.get("ESSAIM_SURVEY_GROUP_MIN", "5")),
    # Announcements sent by one run of `essaim send_announcements` (run every minute: the
    # rate the mail server sees).
    "ANNOUNCEMENTS_PER_RUN": int(os.environ.get("ESSAIM_ANNOUNCEMENTS_PER_RUN", "120")),
    # The weights of the match score's parts, as JSON, such as {"need.skills": 50}: see
    # docs/matching.md for the parts and their defaults.
    "MATCHING_WEIGHTS": json.loads(os.environ.get("ESSAIM_MATCHING_WEIGHTS", "{}")),
}

# Logs to the standard error, as lines of text or (ESSAIM_LOG_JSON=1) one JSON object a line
# with a line per request (method, path, status, size, milliseconds) for a log collector.
LOG_JSON = env_bool("ESSAIM_LOG_JSON")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "essaim.core.middleware.JsonFormatter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", **({"formatter": "json"} if LOG_JSON else {})}
    },
    "root": {"handlers": ["console"], "level": os.environ.get("ESSAIM_LOG_LEVEL", "WARNING")},
    "loggers": {"essaim.requests": {"level": "INFO" if LOG_JSON else "WARNING"}},
}
if LOG_JSON:
    MIDDLEWARE.insert(0, "essaim.core.middleware.RequestLogMiddleware")
