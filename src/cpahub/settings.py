"""Django settings for cpahub. Every value comes from the environment (see docs/configuration.md)."""

from __future__ import annotations

import secrets
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from cpahub.conf.env import (
    ConfigError,
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_path,
    env_str,
    parse_database_url,
    read_dotenv,
)

PACKAGE_DIR = Path(__file__).resolve().parent
BASE_DIR = PACKAGE_DIR.parent.parent

read_dotenv(env_path("CPAHUB_ENV_FILE", BASE_DIR / ".env"))

PROFILE = env_choice("CPAHUB_PROFILE", "dev", ("dev", "test", "production"))
PRODUCTION = PROFILE == "production"
DATA_DIR = env_path("CPAHUB_DATA_DIR", BASE_DIR / "var")
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _dev_secret(name: str) -> str:
    """A per-installation random secret kept in the data directory (dev and test only)."""
    path = DATA_DIR / name
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


if PRODUCTION:
    SECRET_KEY = env_str("CPAHUB_SECRET_KEY")
    FIELD_ENCRYPTION_KEY = env_str("CPAHUB_FIELD_KEY")
    if len(SECRET_KEY) < 50:
        raise ConfigError("CPAHUB_SECRET_KEY must be at least 50 characters in production")
else:
    SECRET_KEY = env_str("CPAHUB_SECRET_KEY", "") or _dev_secret("secret_key")
    FIELD_ENCRYPTION_KEY = env_str("CPAHUB_FIELD_KEY", "") or _dev_secret("field_key")

DEBUG = env_bool("CPAHUB_DEBUG", PROFILE == "dev")
ALLOWED_HOSTS = env_list(
    "CPAHUB_ALLOWED_HOSTS", [] if PRODUCTION else ["localhost", "127.0.0.1", "[::1]", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env_list("CPAHUB_CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("CPAHUB_SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_htmx",
    "axes",
    "cpahub.core",
    "cpahub.accounts",
    "cpahub.registry",
    "cpahub.ledgers",
    "cpahub.practice",
    "cpahub.clients",
    "cpahub.engagements",
    "cpahub.timesheets",
    "cpahub.billing",
    "cpahub.metering",
    "cpahub.portal",
    "cpahub.sso",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "cpahub.core.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "cpahub.core.middleware.CurrentUserMiddleware",
    "cpahub.accounts.middleware.IdleTimeoutMiddleware",
    "cpahub.accounts.middleware.SecurityPolicyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "cpahub.metering.activity.ActivityMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cpahub.urls"
WSGI_APPLICATION = "cpahub.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

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
                "cpahub.core.context_processors.navigation",
            ],
        },
    }
]

# --- Database -------------------------------------------------------------------------------
_database_url = env_str("DATABASE_URL", "")
if _database_url:
    _db = parse_database_url(_database_url)
    DATABASES = {
        "default": {
            "ENGINE": _db.engine,
            "NAME": _db.name,
            "USER": _db.user,
            "PASSWORD": _db.password,
            "HOST": _db.host,
            "PORT": _db.port,
            "OPTIONS": _db.options,
            "CONN_MAX_AGE": env_int("CPAHUB_DB_CONN_MAX_AGE", 60, minimum=0),
            "CONN_HEALTH_CHECKS": True,
        }
    }
else:
    _db = None
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": DATA_DIR / "cpahub.sqlite3"}}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # WAL lets readers work while one writer writes; IMMEDIATE avoids "database is locked" upgrades.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": env_int("CPAHUB_SQLITE_TIMEOUT", 20, minimum=1),
    }
    DATABASES["default"].pop("CONN_MAX_AGE", None)
    DATABASES["default"].pop("CONN_HEALTH_CHECKS", None)

# --- Cache, background work -----------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CPAHUB_CACHE_PREFIX", "cpahub"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", REDIS_URL or "cache+memory://")
# Without Redis the embedded instance runs background tasks in-process.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "Asia/Shanghai"
# Scheduled work, run by one `celery -A cpahub beat` process in production.
CELERY_BEAT_SCHEDULE = {
    "cleanup-stale-uploads": {"task": "cpahub.registry.cleanup_stale_uploads", "schedule": 3600.0},
    "verify-security-log": {"task": "cpahub.core.verify_security_log", "schedule": 86400.0},
}

# --- Files ----------------------------------------------------------------------------------
MEDIA_ROOT = env_path("CPAHUB_MEDIA_ROOT", DATA_DIR / "media")
MEDIA_URL = "/media/"
STATIC_ROOT = env_path("CPAHUB_STATIC_ROOT", DATA_DIR / "static")
STATIC_URL = "/static/"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns when it is missing
_storage_backend = env_choice("CPAHUB_STORAGE", "filesystem", ("filesystem", "s3"))
if _storage_backend == "s3":
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env_str("CPAHUB_S3_BUCKET"),
            "endpoint_url": env_str("CPAHUB_S3_ENDPOINT_URL", "") or None,
            "access_key": env_str("CPAHUB_S3_ACCESS_KEY", "") or None,
            "secret_key": env_str("CPAHUB_S3_SECRET_KEY", "") or None,
            "region_name": env_str("CPAHUB_S3_REGION", "") or None,
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Pages that take files set their own limit (core.uploads.guard); every other page takes no file
# larger than FILE_UPLOAD_MAX_MEMORY_SIZE, so nothing big ever reaches a temporary file unasked.
FILE_UPLOAD_HANDLERS = [
    "cpahub.core.uploads.UnguardedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
CPAHUB_MAX_UPLOAD_BYTES = env_int("CPAHUB_MAX_UPLOAD_MB", 50, minimum=1) * 1024 * 1024
# Ledger imports (STD): largest source file, most voucher lines, findings stored per check.
CPAHUB_LEDGER_MAX_BYTES = env_int("CPAHUB_LEDGER_MAX_MB", 10240, minimum=1) * 1024 * 1024
CPAHUB_LEDGER_MAX_LINES = env_int("CPAHUB_LEDGER_MAX_LINES", 20_000_000, minimum=1)
# Zip-bomb guard for zipped ledgers: inflated size of all members, and inflated/compressed ratio.
CPAHUB_LEDGER_MAX_UNCOMPRESSED_BYTES = (
    env_int("CPAHUB_LEDGER_MAX_UNCOMPRESSED_MB", 8192, minimum=1) * 1024 * 1024
)
CPAHUB_LEDGER_MAX_COMPRESSION_RATIO = env_int("CPAHUB_LEDGER_MAX_COMPRESSION_RATIO", 200, minimum=2)
CPAHUB_LEDGER_FINDINGS_PER_CHECK = env_int("CPAHUB_LEDGER_FINDINGS_PER_CHECK", 1000, minimum=1)
# Processes parsing chunks of large XML ledgers (SAF-T, GB/T 24589); 0 = one per CPU, 1 = no workers.
CPAHUB_LEDGER_XML_WORKERS = env_int("CPAHUB_LEDGER_XML_WORKERS", 0, minimum=0)
CPAHUB_IMPORT_MAX_ROWS = env_int("CPAHUB_IMPORT_MAX_ROWS", 50_000, minimum=1)
# Zip-bomb guard for .xlsx uploads: inflated size of all parts, and inflated/compressed ratio.
CPAHUB_IMPORT_MAX_UNCOMPRESSED_BYTES = (
    env_int("CPAHUB_IMPORT_MAX_UNCOMPRESSED_MB", 100, minimum=1) * 1024 * 1024
)
CPAHUB_IMPORT_MAX_COMPRESSION_RATIO = env_int("CPAHUB_IMPORT_MAX_COMPRESSION_RATIO", 100, minimum=2)
# TrueType font with Chinese glyphs for PDF invoices (Debian: fonts-wqy-microhei).
CPAHUB_INVOICE_FONT = env_path("CPAHUB_INVOICE_FONT", Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"))

# --- Languages ------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
FORMAT_MODULE_PATH = ["cpahub.formats"]  # amounts grouped with commas in Chinese too
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Authentication and login security (等级保护 level 3) --------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "cpahub.sso.backends.SSOBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "portal:index"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
CPAHUB_PASSWORD_MIN_LENGTH = env_int("CPAHUB_PASSWORD_MIN_LENGTH", 10, minimum=8)
CPAHUB_PASSWORD_HISTORY = env_int("CPAHUB_PASSWORD_HISTORY", 5, minimum=0)
CPAHUB_PASSWORD_MAX_AGE_DAYS = env_int("CPAHUB_PASSWORD_MAX_AGE_DAYS", 90, minimum=0)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": CPAHUB_PASSWORD_MIN_LENGTH},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "cpahub.accounts.passwords.CharacterClassValidator", "OPTIONS": {"min_classes": 3}},
    {
        "NAME": "cpahub.accounts.passwords.HistoryValidator",
        "OPTIONS": {"history": CPAHUB_PASSWORD_HISTORY},
    },
]
AXES_FAILURE_LIMIT = env_int("CPAHUB_LOCKOUT_FAILURES", 5, minimum=1)
AXES_COOLOFF_TIME = env_int("CPAHUB_LOCKOUT_MINUTES", 15, minimum=1) / 60  # hours
# Lock an account after N failures from anywhere, and an address after N failures on any account.
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "cpahub.accounts.views.lockout_response"
AXES_IPWARE_PROXY_COUNT = env_int("CPAHUB_PROXY_COUNT", 0, minimum=0)
AXES_VERBOSE = False
SESSION_COOKIE_AGE = env_int("CPAHUB_SESSION_MAX_HOURS", 12, minimum=1) * 3600
CPAHUB_IDLE_TIMEOUT_SECONDS = env_int("CPAHUB_IDLE_TIMEOUT_MINUTES", 30, minimum=1) * 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# The test profile leaves the append-only triggers out: Django's test flush must empty tables.
CPAHUB_SECURITY_LOG_TRIGGERS = env_bool("CPAHUB_SECURITY_LOG_TRIGGERS", PROFILE != "test")
CPAHUB_SECURITY_LOG_RETENTION_DAYS = env_int("CPAHUB_SECURITY_LOG_RETENTION_DAYS", 180, minimum=180)
OTP_TOTP_ISSUER = env_str("CPAHUB_TOTP_ISSUER", "cpahub")

# --- Single sign-on -------------------------------------------------------------------------
CPAHUB_OIDC_ENABLED = env_bool("CPAHUB_OIDC_ENABLED", False)
OIDC_RP_CLIENT_ID = env_str("CPAHUB_OIDC_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = env_str("CPAHUB_OIDC_CLIENT_SECRET", "")
OIDC_OP_ISSUER = env_str("CPAHUB_OIDC_ISSUER", "")
OIDC_RP_SIGN_ALGO = env_str("CPAHUB_OIDC_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = env_str("CPAHUB_OIDC_SCOPES", "openid profile email")
CPAHUB_OIDC_LABEL = env_str("CPAHUB_OIDC_LABEL", "")  # button text; empty = "Unified identity login"
CPAHUB_GATEWAY_SSO = {
    "enabled": env_bool("CPAHUB_GATEWAY_ENABLED", False),
    "name": env_str("CPAHUB_GATEWAY_NAME", "赣政通"),
    "authorize_url": env_str("CPAHUB_GATEWAY_AUTHORIZE_URL", ""),
    "token_url": env_str("CPAHUB_GATEWAY_TOKEN_URL", ""),
    "userinfo_url": env_str("CPAHUB_GATEWAY_USERINFO_URL", ""),
    "app_id": env_str("CPAHUB_GATEWAY_APP_ID", ""),
    "app_secret": env_str("CPAHUB_GATEWAY_APP_SECRET", ""),
    "sign_algo": env_choice("CPAHUB_GATEWAY_SIGN_ALGO", "hmac-sm3", ("hmac-sm3", "hmac-sha256")),
    # Reject gateway replies without a signature (unsigned replies are accepted when False).
    "require_signed_replies": env_bool("CPAHUB_GATEWAY_REQUIRE_SIGNED_REPLIES", False),
    # Field-name overrides for the gateway's JSON, "key=value,..." (see cpahub.sso.providers).
    "fields": env_list("CPAHUB_GATEWAY_FIELDS", []),
}
CPAHUB_SSO_HTTP_TIMEOUT = env_int("CPAHUB_SSO_HTTP_TIMEOUT", 10, minimum=1)  # seconds per provider call
# How long a verified but unlinked sign-on waits for the person to confirm with their password.
CPAHUB_SSO_LINK_SECONDS = env_int("CPAHUB_SSO_LINK_SECONDS", 600, minimum=60)

# --- API ------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so that a refused request answers 401 with a WWW-Authenticate header.
        "cpahub.core.api.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "cpahub.core.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "cpahub.core.api.exceptions.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.AnonRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"anon": env_str("CPAHUB_ANON_API_RATE", "120/minute")},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "cpahub API",
    "DESCRIPTION": "REST API of cpahub, the digital platform of a provincial CPA industry.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "OrgStatusEnum": "cpahub.accounts.choices.OrgStatus",
        "CPAStatusEnum": "cpahub.registry.choices.CPAStatus",
        "ApplicationStatusEnum": "cpahub.registry.choices.ApplicationStatus",
        "CityEnum": "cpahub.accounts.choices.City",
        "ClientStatusEnum": "cpahub.clients.choices.ClientStatus",
        "TimeStatusEnum": "cpahub.timesheets.choices.Status",
        "TimeEventKindEnum": "cpahub.timesheets.choices.EventKind",
        "TimeTaskEnum": "cpahub.timesheets.choices.Task",
        "RoleEnum": "cpahub.accounts.choices.Role",
        "InvoiceStatusEnum": "cpahub.billing.choices.InvoiceStatus",
        "InvoiceLineKindEnum": "cpahub.billing.choices.LineKind",
        "EngagementStatusEnum": "cpahub.engagements.choices.Status",
    },
}
CPAHUB_APPLY_LIMIT_PER_HOUR = env_int(
    "CPAHUB_APPLY_LIMIT_PER_HOUR", 5, minimum=1
)  # firm sign-ups per address
CPAHUB_API_TOKEN_DAYS = env_int("CPAHUB_API_TOKEN_DAYS", 90, minimum=1)

# --- Security headers -----------------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("CPAHUB_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("CPAHUB_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("CPAHUB_HSTS_PRELOAD", False)
    SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]

EMAIL_BACKEND = env_str(
    "CPAHUB_EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env_str("CPAHUB_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("CPAHUB_EMAIL_PORT", 25, minimum=1)
DEFAULT_FROM_EMAIL = env_str("CPAHUB_EMAIL_FROM", "cpahub@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "cpahub.core.logging.RequestIdFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("CPAHUB_LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
