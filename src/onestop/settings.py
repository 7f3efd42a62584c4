"""OneStop settings: one module, every knob an environment variable (see docs/configuration.md).

``ONESTOP_ENV=production`` switches on the HTTPS-only hardening that ``check --deploy`` asks for and
makes the secrets mandatory; the default ``development`` keeps a single machine (``make demo``)
working with no configuration at all.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

env = environ.Env()

SRC_DIR = Path(__file__).resolve().parent
BASE_DIR = SRC_DIR.parent.parent
VAR_DIR = Path(env.str("ONESTOP_VAR_DIR", default=str(BASE_DIR / "var")))

ONESTOP_ENV = env.str("ONESTOP_ENV", default="development")
if ONESTOP_ENV not in {"development", "production"}:
    raise environ.ImproperlyConfigured("ONESTOP_ENV must be 'development' or 'production'")
PRODUCTION = ONESTOP_ENV == "production"

DEBUG = env.bool("ONESTOP_DEBUG", default=False)


def _development_secret() -> str:
    """A per-checkout secret kept under var/, so sessions survive restarts of the demo."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(64))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = (
    env.str("ONESTOP_SECRET_KEY")
    if PRODUCTION
    else env.str("ONESTOP_SECRET_KEY", default="") or _development_secret()
)
ALLOWED_HOSTS = env.list(
    "ONESTOP_ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env.list("ONESTOP_CSRF_TRUSTED_ORIGINS", default=[])

# --- The deployment ---------------------------------------------------------------------------
ONESTOP_COUNTRY = env.str("ONESTOP_COUNTRY", default="KZ")  # national-ID rules and holidays
ONESTOP_CURRENCY = env.str("ONESTOP_CURRENCY", default="KZT")  # ISO 4217, the currency of fees
ONESTOP_DEPLOYMENT_NAME = env.str("ONESTOP_DEPLOYMENT_NAME", default="OneStop")
ONESTOP_SIGNING_KEY = env.str("ONESTOP_SIGNING_KEY", default="")  # base64 Ed25519 private key (32 bytes)
ONESTOP_SIGNING_KEY_FILE = Path(env.str("ONESTOP_SIGNING_KEY_FILE", default=str(VAR_DIR / "signing_key.pem")))
ONESTOP_AUDIT_SEAL_INTERVAL = env.float("ONESTOP_AUDIT_SEAL_INTERVAL", default=1.0)  # seconds
ONESTOP_AUDIT_CHECKPOINT_EVERY = env.int("ONESTOP_AUDIT_CHECKPOINT_EVERY", default=1000)  # sealed rows

# Data exchange (X-Road message protocol for REST, r1): docs/configuration.md, decision 0006.
ONESTOP_EXCHANGE_INSTANCE = env.str("ONESTOP_EXCHANGE_INSTANCE", default="DEV")
# "signature": members sign requests with their Ed25519 key (embedded setup);
# "proxy": a security server or a mutual-TLS proxy in front has authenticated the client already.
ONESTOP_EXCHANGE_AUTH = env.str("ONESTOP_EXCHANGE_AUTH", default="signature")
ONESTOP_EXCHANGE_SEAL_INTERVAL = env.float("ONESTOP_EXCHANGE_SEAL_INTERVAL", default=1.0)  # seconds
ONESTOP_EXCHANGE_DIRECTORY_TTL = env.float("ONESTOP_EXCHANGE_DIRECTORY_TTL", default=5.0)  # seconds
ONESTOP_EXCHANGE_RETRIES = env.int("ONESTOP_EXCHANGE_RETRIES", default=2)  # extra tries of a read
ONESTOP_EXCHANGE_BREAKER_FAILURES = env.int("ONESTOP_EXCHANGE_BREAKER_FAILURES", default=5)
ONESTOP_EXCHANGE_BREAKER_RESET = env.float("ONESTOP_EXCHANGE_BREAKER_RESET", default=30.0)  # seconds
# Behind a real X-Road security server, which hashes requests in its own form: turn off.
ONESTOP_EXCHANGE_CHECK_REQUEST_HASH = env.bool("ONESTOP_EXCHANGE_CHECK_REQUEST_HASH", default=True)
# Mutual TLS from this deployment's client towards a security server / remote provider (PEM paths).
ONESTOP_EXCHANGE_CLIENT_CERT = env.str("ONESTOP_EXCHANGE_CLIENT_CERT", default="")
ONESTOP_EXCHANGE_CLIENT_KEY = env.str("ONESTOP_EXCHANGE_CLIENT_KEY", default="")
ONESTOP_EXCHANGE_CA_BUNDLE = env.str("ONESTOP_EXCHANGE_CA_BUNDLE", default="")
ONESTOP_DEMO_LIVE = env.bool(
    "ONESTOP_DEMO_LIVE", default=False
)  # demo only: simulated visitors move the queues
ONESTOP_CPSV_BASE_URI = env.str("ONESTOP_CPSV_BASE_URI", default="https://onestop.example/id/")
ONESTOP_BOOKING_QUOTA = env.int("ONESTOP_BOOKING_QUOTA", default=1)  # appointments a citizen may hold …
ONESTOP_BOOKING_QUOTA_DAYS = env.int("ONESTOP_BOOKING_QUOTA_DAYS", default=10)  # … within this many days
ONESTOP_BOOKING_HORIZON_DAYS = env.int(
    "ONESTOP_BOOKING_HORIZON_DAYS", default=30
)  # how far ahead one may book
ONESTOP_QUEUE_NO_SHOW_AFTER_RECALLS = env.int(
    "ONESTOP_QUEUE_NO_SHOW_AFTER_RECALLS", default=2
)  # recalls before a no-show
ONESTOP_QUEUE_APPOINTMENT_GRACE_MINUTES = env.int(
    "ONESTOP_QUEUE_APPOINTMENT_GRACE_MINUTES", default=10
)  # appointments called this early
ONESTOP_QUEUE_PRIORITY_GROUPS = env.list(
    "ONESTOP_QUEUE_PRIORITY_GROUPS", default=["disability", "elderly", "pregnant"]
)
ONESTOP_DEVICE_AUTH_CACHE_SECONDS = env.float("ONESTOP_DEVICE_AUTH_CACHE_SECONDS", default=5.0)  # seconds
# How long a web process keeps a centre's queues and offered services before reading them again.
ONESTOP_QUEUE_CONFIG_CACHE_SECONDS = env.float("ONESTOP_QUEUE_CONFIG_CACHE_SECONDS", default=5.0)
ONESTOP_WEBHOOK_MAX_ATTEMPTS = env.int(
    "ONESTOP_WEBHOOK_MAX_ATTEMPTS", default=8
)  # then a delivery is given up
ONESTOP_WEBHOOK_TIMEOUT_SECONDS = env.float("ONESTOP_WEBHOOK_TIMEOUT_SECONDS", default=5.0)  # per attempt
ONESTOP_UPLOAD_MAX_BYTES = env.int(
    "ONESTOP_UPLOAD_MAX_BYTES", default=10 * 1024 * 1024
)  # largest uploaded document
ONESTOP_PUBLIC_URL = env.str("ONESTOP_PUBLIC_URL", default="http://127.0.0.1:8000")  # printed in PDF QR codes
# Citizen sign-in: the national eID over OpenID Connect when configured; the demo eID page (type a demo
# citizen's national ID) only outside production.
ONESTOP_DEMO_CITIZEN_LOGIN = env.bool("ONESTOP_DEMO_CITIZEN_LOGIN", default=not PRODUCTION)
if PRODUCTION and ONESTOP_DEMO_CITIZEN_LOGIN:
    raise environ.ImproperlyConfigured("ONESTOP_DEMO_CITIZEN_LOGIN is refused in production")
OIDC_OP_AUTHORIZATION_ENDPOINT = env.str("ONESTOP_OIDC_AUTHORIZATION_ENDPOINT", default="")
OIDC_OP_TOKEN_ENDPOINT = env.str("ONESTOP_OIDC_TOKEN_ENDPOINT", default="")
OIDC_OP_USER_ENDPOINT = env.str("ONESTOP_OIDC_USERINFO_ENDPOINT", default="")
OIDC_OP_JWKS_ENDPOINT = env.str("ONESTOP_OIDC_JWKS_ENDPOINT", default="") or None
OIDC_OP_LOGOUT_ENDPOINT = env.str("ONESTOP_OIDC_LOGOUT_ENDPOINT", default="")
OIDC_RP_CLIENT_ID = env.str("ONESTOP_OIDC_CLIENT_ID", default="")
OIDC_RP_CLIENT_SECRET = env.str("ONESTOP_OIDC_CLIENT_SECRET", default="")
OIDC_RP_SIGN_ALGO = env.str("ONESTOP_OIDC_SIGN_ALGO", default="RS256")
OIDC_RP_SCOPES = env.str("ONESTOP_OIDC_SCOPES", default="openid profile")
OIDC_USE_PKCE = True
ONESTOP_OIDC_NATIONAL_ID_CLAIM = env.str("ONESTOP_OIDC_NATIONAL_ID_CLAIM", default="national_id")
ONESTOP_OIDC_ENABLED = bool(
    OIDC_OP_AUTHORIZATION_ENDPOINT and OIDC_OP_TOKEN_ENDPOINT and OIDC_OP_USER_ENDPOINT and OIDC_RP_CLIENT_ID
)
OIDC_AUTHENTICATION_CALLBACK_URL = "portal:oidc_authentication_callback"  # included under the portal
LOGIN_REDIRECT_URL_FAILURE = "/account/sign-in/?failed=1"  # mozilla-django-oidc: back to the citizen sign-in
ONESTOP_SLA_AT_RISK_SHARE = env.float(
    "ONESTOP_SLA_AT_RISK_SHARE", default=0.75
)  # share of the processing time after which a case is at risk

# --- Applications -----------------------------------------------------------------------------
INSTALLED_APPS = [
    "modeltranslation",  # must precede django.contrib.admin
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "template_partials",
    "import_export",
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "onestop.core",
    "onestop.catalog",
    "onestop.centres",
    "onestop.people",
    "onestop.notify",
    "onestop.exchange",
    "onestop.queueing",
    "onestop.cases",
    "onestop.insights",
    "onestop.desk",
    "onestop.office",
    "onestop.portal",
    "onestop.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "onestop.core.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

# The worklist's partial index carries the agency as a non-key column for PostgreSQL's index-only
# count (cases.models.Case.Meta); SQLite builds the same index without it, which is all it needs.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

ROOT_URLCONF = env.str("ONESTOP_URLCONF", default="onestop.urls")  # benchmarks swap in bench/urls_bench.py
WSGI_APPLICATION = "onestop.wsgi.application"
ASGI_APPLICATION = "onestop.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "onestop.core.context_processors.deployment",
            ],
        },
    }
]

# --- Database ---------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'onestop.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock at BEGIN so two
    # writers queue on busy_timeout instead of failing half-way with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON",
    }
    # Keep each thread's connection: opening one (and its PRAGMAs) cost more than most queries.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("ONESTOP_DB_CONN_MAX_AGE", default=60)
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("ONESTOP_DB_CONN_MAX_AGE", default=60))
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ----------------------------------------------------------------------------------
# Per-process memory by default; a shared cache (redis://…) lets every web process reuse one entry.
CACHES = {"default": env.cache("ONESTOP_CACHE_URL", default="locmemcache://")}

# --- Tasks ------------------------------------------------------------------------------------
TASKS = {"default": {"BACKEND": env.str("ONESTOP_TASK_BACKEND", default="django_tasks_db.DatabaseBackend")}}

# --- Auth -------------------------------------------------------------------------------------
AUTH_USER_MODEL = "people.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
if ONESTOP_OIDC_ENABLED:
    AUTHENTICATION_BACKENDS.append("onestop.portal.citizen_auth.NationalEidBackend")
LOGIN_URL = "people:login"
LOGIN_REDIRECT_URL = "people:home"
LOGOUT_REDIRECT_URL = "portal:home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Lock a staff account after repeated failures, whatever address they come from.
AXES_FAILURE_LIMIT = env.int("ONESTOP_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("ONESTOP_LOGIN_LOCKOUT_MINUTES", default=15))
# Each listed separately: an account locks after N failures from anywhere, an address after N on any account.
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "people/locked_out.html"

# --- Internationalisation ---------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("ru", _("Russian")),
    ("kk", _("Kazakh")),
    ("ka", _("Georgian")),
]
LOCALE_PATHS = [SRC_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = env.str("ONESTOP_TIME_ZONE", default="Asia/Almaty")
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_LANGUAGES = ("en", "ru", "kk", "ka")
MODELTRANSLATION_FALLBACK_LANGUAGES = ("en",)

# --- Static files -----------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("ONESTOP_STATIC_ROOT", default=str(VAR_DIR / "static")))
MEDIA_ROOT = Path(env.str("ONESTOP_MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION

# --- REST API ---------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "onestop.core.problems.problem_exception_handler",
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_PAGINATION_CLASS": "onestop.core.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "OneStop API",
    "DESCRIPTION": "REST API of the OneStop public-service platform. Errors are RFC 9457 problem+json.",
    "VERSION": "1.0.0",
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # /r1/ is a plain Django view (the X-Road protocol, not the API): a hook describes it.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "onestop.exchange.openapi.r1_postprocessing_hook",
    ],
}

# --- Security ---------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
HTTPS = env.bool("ONESTOP_HTTPS", default=PRODUCTION)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS and env.bool("ONESTOP_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("ONESTOP_HSTS_SECONDS", default=31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
if env.bool("ONESTOP_BEHIND_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "style-src": ["'self'"],
        "script-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# --- Logging ----------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "onestop.core.middleware.RequestIdLogFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["request_id"]},
    },
    "root": {"handlers": ["console"], "level": env.str("ONESTOP_LOG_LEVEL", default="INFO")},
    # Task runs are logged by django_tasks at INFO each second (the sealer); keep failures only.
    "loggers": {"django.db.backends": {"level": "WARNING"}, "django_tasks": {"level": "WARNING"}},
}
