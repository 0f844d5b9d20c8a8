"""Settings for the Space Cooperation Registry, read from the environment.

Development defaults are safe to run locally; production must set
``SECRET_KEY``, ``ALLOWED_HOSTS`` and ``DATABASE_URL``. Every variable read
here is documented in ``.env.example`` (a test keeps the two in step). With
``DJANGO_DEBUG`` off, the HTTPS and cookie settings default to secure values.
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
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
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Exposes the request to django-simple-history, which records request.user with each change.
    # API views authenticate later (tokens), so they attribute their writes themselves (api.core.write_attribution).
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: turns a locked-out login into its 429 response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
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

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(env_str("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # While the server is unreachable, requests fail fast (503, api.core.errors) instead of hanging.
    # DATABASE_URL may set another value (?connect_timeout=10).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 3)
    # The registry's working set fits in memory: random reads cost about what sequential
    # ones do. With the default (4, tuned for spinning disks) the planner hashes a whole
    # table to fetch the organizations of 50 agreements' parties (35 ms instead of 1.5 ms
    # at 100k agreements; see the README's Benchmarks). JIT compilation is off: PostgreSQL
    # compiled the full CSV export's query for 0.36 s on every run, and won less than that
    # back (2.93 s -> 2.49 s without it at 100k); pages never reach its cost threshold.
    # Synchronized scans are off: a scan of a large table would start where the last one
    # stopped, and global search's capped scans (cooperation.selectors.global_search) would
    # find a different first thousand matches of a common word on each request.
    # ?options=... in DATABASE_URL wins.
    DATABASES["default"]["OPTIONS"].setdefault(
        "options", "-c random_page_cost=1.1 -c jit=off -c synchronize_seqscans=off"
    )
    # Django turns psycopg's prepared statements off; its own cursors bind parameters client-side
    # and never prepare anyway. Only the list pages' one statement (api.sql.documents) is sent
    # server-bound, and preparing it skips its planning, which costs more than running it.
    DATABASES["default"]["OPTIONS"].setdefault("prepare_threshold", 5)
ATOMIC_REQUESTS = True
DATABASES["default"]["ATOMIC_REQUESTS"] = ATOMIC_REQUESTS
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
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(env_str("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(env_str("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "config.client_ip.client_ip"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

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
        "api.schema.links.etag_links",
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
    },
}

CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS", [])
CORS_URLS_REGEX = r"^/api/.*$"
CORS_EXPOSE_HEADERS = ["ETag", "Retry-After", "X-RateLimit-Limit", "X-RateLimit-Remaining"]

# Request bodies above this size are refused with 413 (see api.core.errors).
DATA_UPLOAD_MAX_MEMORY_SIZE = int(env_str("DATA_UPLOAD_MAX_MEMORY_SIZE", str(1024 * 1024)))
