"""Settings for the Space Cooperation Registry, read from the environment.

Development defaults are safe to run locally; production must set
``SECRET_KEY``, ``ALLOWED_HOSTS`` and ``DATABASE_URL``. Every variable read
here is documented in ``.env.example`` (a test keeps the two in step). With
``DJANGO_DEBUG`` off, the HTTPS and cookie settings default to secure values.
"""

import re
from datetime import timedelta
from pathlib import Path

import dj_database_url
from corsheaders.defaults import default_headers as default_cors_headers
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

INSECURE_DEV_SECRET_KEY = "django-insecure-dev-only-space-cooperation-registry"

DEBUG = env_bool("DJANGO_DEBUG", True)
SECRET_KEY = env_str("SECRET_KEY", INSECURE_DEV_SECRET_KEY)
if not DEBUG and SECRET_KEY in {INSECURE_DEV_SECRET_KEY, ""}:
    raise ImproperlyConfigured("SECRET_KEY must be set when DJANGO_DEBUG is off.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# --- HTTPS, cookies, proxies -------------------------------------------------------------
# Secure unless DEBUG is on (runserver speaks plain HTTP); each can still be overridden.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
# Load balancers probe the health endpoints over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^health/?$", r"^health/ready/?$"]
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = int(env_str("SECURE_HSTS_SECONDS", "0" if DEBUG else str(365 * 24 * 3600)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
# "HTTP_X_FORWARDED_PROTO,https": requests are HTTPS when a TLS-terminating proxy says so. Set it
# only behind a proxy that always sets (overwrites) that header, or clients could forge it.
_proxy_ssl_header = env_list("SECURE_PROXY_SSL_HEADER", [])
if _proxy_ssl_header and len(_proxy_ssl_header) != 2:
    raise ImproperlyConfigured(
        "SECURE_PROXY_SSL_HEADER must be '<META key>,<value>', e.g. HTTP_X_FORWARDED_PROTO,https."
    )
SECURE_PROXY_SSL_HEADER = tuple(_proxy_ssl_header) or None
# Reverse proxies in front of the app that append the client's address to X-Forwarded-For.
# 0: the socket's address is the client (the header is ignored, so it cannot be forged).
# Used by API throttling and the admin login lockout alike (config.client_ip).
NUM_PROXIES = int(env_str("NUM_PROXIES", "0"))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "corsheaders",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_countries",
    "simple_history",
    "axes",
    "cooperation",
    "cooperation.history",
    "api",
]

MIDDLEWARE = [
    "config.hubs.middleware.HubHeaderMiddleware",  # Registry-Hub on every /api/ response, redirects too
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # After sessions, before CommonMiddleware: picks the language of the request (the language
    # cookie set by the admin's switcher, then Accept-Language, then LANGUAGE_CODE).
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Exposes the request to django-simple-history, which records request.user with each change.
    # API views authenticate later (tokens), so they attribute their writes themselves (api.core.write_attribution).
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # After every other process_view: runs the view in its transaction, on the database it routes to.
    "config.hubs.middleware.HubRoutingMiddleware",
    # Last, as django-axes asks: turns a locked-out login into its 429 response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # Project-wide template overrides (the admin's header with its language switcher).
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Databases and hubs ------------------------------------------------------------------
# DATABASE_URL is the primary, which takes every write. A hub far from it may add its own
# streaming replica (DATABASE_REPLICA_URL) for reads: see config/hubs and the README's "Hubs".


POSTGRESQL = "config.postgresql"
# Seconds since a connection's last request during which it is not health-checked again (0: always).
DB_HEALTH_CHECK_DELAY = float(env_str("DB_HEALTH_CHECK_DELAY", "0.25"))


def _database(url: str) -> dict:
    db = dj_database_url.parse(url, conn_max_age=int(env_str("DB_CONN_MAX_AGE", "60")), conn_health_checks=True)
    if db["ENGINE"] == "django.db.backends.postgresql":
        # Django's backend, but a connection that answered under a quarter second ago skips the
        # health check's round trip (config/postgresql/base.py).
        db["ENGINE"] = POSTGRESQL
        options = db.setdefault("OPTIONS", {})
        # While the server is unreachable, requests fail fast (503, api.core.errors) instead of hanging.
        # The URL may set another value (?connect_timeout=10).
        options.setdefault("connect_timeout", 3)
        # The registry's working set fits in memory: random reads cost about what sequential
        # ones do. With the default (4, tuned for spinning disks) the planner hashes a whole
        # table to fetch the organizations of 50 agreements' parties (35 ms instead of 1.5 ms
        # at 100k agreements; see the README's Benchmarks). JIT compilation is off: PostgreSQL
        # compiled the full CSV export's query for 0.36 s on every run, and won less than that
        # back (2.93 s -> 2.49 s without it at 100k); pages never reach its cost threshold.
        # Synchronized scans are off: a scan of a large table would start where the last one
        # stopped, and global search's capped scans (cooperation.selectors.global_search) would
        # find a different first thousand matches of a common word on each request.
        # ?options=... in the URL wins.
        options.setdefault("options", "-c random_page_cost=1.1 -c jit=off -c synchronize_seqscans=off")
        # Django turns psycopg's prepared statements off; its own cursors bind parameters client-side
        # and never prepare anyway. Only the list pages' one statement (api.sql.documents) is sent
        # server-bound, and preparing it skips its planning, which costs more than running it.
        options.setdefault("prepare_threshold", 5)
    return db


DATABASES = {"default": _database(env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"))}
# Every request's view runs in one transaction. config.hubs.middleware opens it, on the one
# database the request uses (Django would open one on every database with this flag); DRF's
# error handling marks it for rollback through this flag.
ATOMIC_REQUESTS = True
DATABASES["default"]["ATOMIC_REQUESTS"] = ATOMIC_REQUESTS
_replica_url = env_str("DATABASE_REPLICA_URL", "")
if _replica_url:
    DATABASES["replica"] = _database(_replica_url)
    # Reads only: nothing to roll back, and the health probes must not open a transaction here.
    DATABASES["replica"]["ATOMIC_REQUESTS"] = False
    if {db["ENGINE"] for db in DATABASES.values()} != {POSTGRESQL}:
        raise ImproperlyConfigured("DATABASE_REPLICA_URL needs PostgreSQL, for DATABASE_URL and the replica alike.")
DATABASE_ROUTERS = ["config.hubs.routing.HubRouter"]

# --- Cache (API rate-limit counts) ------------------------------------------------------
# With REDIS_URL every worker shares the counts (Django's Redis backend, redis-py); without it
# each process counts alone in its memory: fine for `make run` (one process), N times too
# generous with N gunicorn workers (the api.W001 deploy check says so). Short socket timeouts:
# with Redis unreachable requests are served unthrottled at once (api.core.throttle_counts), never
# held up; REDIS_URL may set others (?socket_timeout=2).
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "registry",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Records' documents kept for the registry's version (api.sql.document_cache): in each process's memory
# (up to DOCUMENTS_KEPT_LOCALLY, least recently used out first) and, with REDIS_URL, in Redis, shared by
# every worker.
API_KEEP_DOCUMENTS = env_bool("API_KEEP_DOCUMENTS", True)
API_DOCUMENTS_TTL = int(env_str("API_DOCUMENTS_TTL", "300"))  # seconds in Redis; bounds memory, never staleness
DOCUMENTS_KEPT_LOCALLY = 10000  # ~35 MB per process at ~3.5 kB a document
if REDIS_URL:
    CACHES["documents"] = {**CACHES["default"], "KEY_PREFIX": "registry-documents", "TIMEOUT": API_DOCUMENTS_TTL}

DEFAULT_HUB_NAME = "main"
HUB_NAME = env_str("HUB_NAME", DEFAULT_HUB_NAME)
if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,62}", HUB_NAME):
    raise ImproperlyConfigured("HUB_NAME must be 1 to 63 letters, digits, '.', '_' or '-', e.g. beijing.")
# How long a read presenting a consistency token may wait for the replica to replay it
# before it is served from the primary instead.
REPLICA_WAIT_MS = int(env_str("REPLICA_WAIT_MS", "250"))
# A replica further behind than this (seconds) is not read from while the primary answers.
REPLICA_MAX_LAG_S = float(env_str("REPLICA_MAX_LAG_S", "30"))
if REPLICA_WAIT_MS < 0 or not REPLICA_MAX_LAG_S > 0:
    raise ImproperlyConfigured("REPLICA_WAIT_MS must be 0 or more, and REPLICA_MAX_LAG_S more than 0.")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Repeated failed logins (the admin) lock out that username from that address (django-axes).
# Only password logins count: API tokens never go through authenticate().
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "cooperation.permissions_backend.ModelBackend",  # Django's, in one query
]
AXES_FAILURE_LIMIT = int(env_str("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(env_str("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "config.client_ip.client_ip"

LANGUAGE_CODE = "en"
# The languages the admin (and the project's own strings, in each app's locale/) is translated into.
# Django's own codes: zh-hans is Simplified Chinese, catalogues in locale/zh_Hans.
LANGUAGES = [("en", "English"), ("ru", "Русский"), ("zh-hans", "简体中文")]
TIME_ZONE = "UTC"
USE_I18N = True
# The admin's language switcher (django.views.i18n.set_language) remembers the choice in this
# cookie for a year; it is sent over HTTPS only where the session cookie is.
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_SAMESITE = "Lax"
USE_TZ = True

# --- Languages: the API and the explore page (issue 15) ----------------------------------
# The API answers in English, Russian or Simplified Chinese (cooperation.localization: the
# API's `lang` codes en/ru/zh map onto these Django codes). The project's own messages are in
# the catalogue locale/<ll>/LC_MESSAGES/django.po, committed with its compiled .mo; LANGUAGES
# (above) are the admin's and the API's alike.
LOCALE_PATHS = [BASE_DIR / "locale"]

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# In development whitenoise serves straight from the app directories (no collectstatic needed).
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
# Production serves what collectstatic (run with DEBUG off, as the Dockerfile does) compressed and
# named by content hash, cacheable forever; development and tests need no collectstatic.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedStaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

FIXTURE_DIRS = [BASE_DIR / "fixtures"]

# --- REST API --------------------------------------------------------------------------

API_PAGE_SIZE = 50
API_MAX_PAGE_SIZE = 1000
# A list's count reads at most this many matches (or up to the page's end, when further): exact up to it,
# PostgreSQL's estimate past it (``count_exact`` false; api.core.counting). 10,000 is Elasticsearch's
# track_total_hits default: ten times the largest page, and counting it costs about what one page does.
API_COUNT_BOUND = int(env_str("API_COUNT_BOUND", "10000"))
# The same with ``q``: a text match is checked row by row against each candidate's text, so counting a
# common word's 10,000 matches at 100k agreements cost twice the page (5.5 of 9.6 ms). Search engines
# estimate large totals too (global search reads at most 100 matches per way and type).
API_SEARCH_COUNT_BOUND = int(env_str("API_SEARCH_COUNT_BOUND", "1000"))
API_GRAPH_MAX_NODES = int(env_str("API_GRAPH_MAX_NODES", "500"))

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.core.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.core.permissions.RolePermission"],
    "DEFAULT_RENDERER_CLASSES": ["api.renderers.json.ORJSONRenderer", "api.renderers.csv.CSVRenderer"],
    "DEFAULT_PARSER_CLASSES": ["api.core.parsers.LimitedJSONParser"],
    "DEFAULT_PAGINATION_CLASS": "api.core.cursor_pagination.ListPagination",
    "DEFAULT_METADATA_CLASS": None,  # no OPTIONS introspection: it is not part of the documented API
    "PAGE_SIZE": API_PAGE_SIZE,
    "DEFAULT_SCHEMA_CLASS": "api.schema.auto_schema.AutoSchema",
    "EXCEPTION_HANDLER": "api.core.errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["api.core.throttling.AnonThrottle", "api.core.throttling.UserThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("API_THROTTLE_ANON", "120/min"),
        "user": env_str("API_THROTTLE_USER", "1200/min"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "URL_FORMAT_OVERRIDE": "format",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "NUM_PROXIES": NUM_PROXIES,
}
API_TOKEN_DEFAULT_DAYS = int(env_str("API_TOKEN_DEFAULT_DAYS", "90"))

SPECTACULAR_SETTINGS = {
    "TITLE": "Space Cooperation Registry API",
    "DESCRIPTION": (BASE_DIR / "api" / "schema" / "description.md").read_text(encoding="utf-8"),
    "VERSION": "1.0.0",
    "LICENSE": {"name": "CC BY 4.0 (the registry's data)", "url": "https://creativecommons.org/licenses/by/4.0/"},
    # Paths are absolute from the root of the hub serving this document (each hub serves the same API).
    "SERVERS": [{"url": "/", "description": "The registry hub that served this document"}],
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "COMPONENT_NO_READ_ONLY_REQUIRED": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.hooks.blank_strings_use_any_of",
        "api.schema.hooks.request_bodies_are_closed",
        "api.schema.examples.request_examples",
        "api.schema.links.etag_links",
        "api.core.hub_headers.delete_headers",
    ],
    "ENUM_NAME_OVERRIDES": {
        "AgreementKindEnum": "cooperation.models.Agreement.Kind",
        "AgreementStatusEnum": "cooperation.models.Agreement.Status",
        "SigningModeEnum": "cooperation.models.Agreement.SigningMode",
        "PartyRoleEnum": "cooperation.models.AgreementParty.Role",
        "RelationKindEnum": "cooperation.models.AgreementRelation.Kind",
        "AgreementMissionRoleEnum": "cooperation.models.AgreementMission.Role",
        "OrganizationKindEnum": "cooperation.models.Organization.Kind",
        "MissionKindEnum": "cooperation.models.Mission.Kind",
        "MissionTargetEnum": "cooperation.models.Mission.Target",
        "MissionStatusEnum": "cooperation.models.Mission.Status",
        "ParticipantRoleEnum": "cooperation.models.MissionParticipant.Role",
        "MilestoneKindEnum": "cooperation.models.Milestone.Kind",
        "MilestoneStatusEnum": "cooperation.models.Milestone.Status",
        "ClaimStatusEnum": "cooperation.models.Milestone.ClaimStatus",
        "SourceKindEnum": "cooperation.models.Source.Kind",
        "SourceTierEnum": "cooperation.models.Source.Tier",
        "LabelKindEnum": "cooperation.models.Label.Kind",
        "LanguageEnum": "cooperation.models.Language",
        "PrecisionEnum": "cooperation.partial_dates.Precision",
        "ChangeActionEnum": "cooperation.history.models.ChangeRecord.Action",
        "ChangeModelEnum": "api.filtersets.changes.MODEL_CHOICES",
        "ReaderLanguageEnum": "cooperation.localization.ReaderLanguage",
        "NameStatusEnum": "cooperation.localization.NameStatus",
    },
}

CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS", [])
CORS_URLS_REGEX = r"^/api/.*$"
CORS_EXPOSE_HEADERS = [
    "ETag",
    "Retry-After",
    "X-RateLimit-Limit",
    "X-RateLimit-Remaining",
    "Consistency-Token",
    "Registry-Hub",
]
CORS_ALLOW_HEADERS = (*default_cors_headers, "consistency-token")

# Request bodies above this size are refused with 413 (see api.core.errors).
DATA_UPLOAD_MAX_MEMORY_SIZE = int(env_str("DATA_UPLOAD_MAX_MEMORY_SIZE", str(1024 * 1024)))
