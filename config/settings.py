"""FlowerCRM settings, read from the environment (twelve-factor).

Embedded defaults make ``make run`` work on a bare machine (SQLite, in-memory channel
layer, local-memory cache, console Telegram backend, local media). Each real service turns
on when its variable is set. Nothing secret has a default outside ``DEBUG``.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_noop

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

RAILWAY_ENVIRONMENT = env.str("RAILWAY_ENVIRONMENT", default="development")
PRODUCTION = RAILWAY_ENVIRONMENT == "production"
DEBUG = env.bool("DEBUG", default=False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must be off when RAILWAY_ENVIRONMENT=production.")

# --- Secrets and JWT -----------------------------------------------------------------------
ALGORITHM = env.str("ALGORITHM", default="HS256")
_MIN_KEY_BYTES = {"HS256": 32, "HS384": 48, "HS512": 64}
if ALGORITHM not in _MIN_KEY_BYTES:
    raise ImproperlyConfigured("ALGORITHM must be one of HS256, HS384, HS512.")

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY is required unless DEBUG=1 (set DEBUG=1 for local development).")
    # Development only: a key generated once and kept in a git-ignored file, so tokens
    # survive restarts and several local processes agree on it.
    _key_file = BASE_DIR / ".dev_secret_key"
    if not _key_file.exists():
        _key_file.write_text(secrets.token_urlsafe(64))
    SECRET_KEY = _key_file.read_text().strip()
if len(SECRET_KEY.encode()) < _MIN_KEY_BYTES[ALGORITHM]:
    raise ImproperlyConfigured(f"SECRET_KEY must be at least {_MIN_KEY_BYTES[ALGORITHM]} bytes for {ALGORITHM}.")

ACCESS_TOKEN_EXPIRE_MINUTES = env.int("ACCESS_TOKEN_EXPIRE_MINUTES", default=30)
REFRESH_TOKEN_EXPIRE_DAYS = env.int("REFRESH_TOKEN_EXPIRE_DAYS", default=14)
# A session (a chain of rotated refresh tokens) never outlives this, counted from login.
SESSION_MAX_AGE = timedelta(days=30)

# --- Hosts, CORS ---------------------------------------------------------------------------
ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=[] if PRODUCTION else ["localhost", "127.0.0.1", "[::1]", "testserver"]
)
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS is required in production.")
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=CORS_ALLOWED_ORIGINS)
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# The shops' public websites: allowed by CORS on /api/public/ only (``apps.storefront.cors``).
STOREFRONT_CORS_ORIGINS = env.list("STOREFRONT_CORS_ORIGINS", default=[])

# --- Applications --------------------------------------------------------------------------
INSTALLED_APPS = [
    "daphne",
    # django.contrib.admin with FlowerCRM's site (header, dashboard, language switch).
    "flowercrm.admin_apps.FlowerAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "corsheaders",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "flowercrm",
    "apps.accounts",
    "apps.shops",
    "apps.customers",
    "apps.catalog",
    "apps.warehouse",
    "apps.supplies",
    "apps.orders",
    "apps.production",
    "apps.reports",
    "apps.exchange",
    "apps.storefront",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    # First of ours, so every answer (the NUL guard's too) is in the request's language. Django 5
    # reads the language from the cookie and Accept-Language only, not from the session.
    "django.middleware.locale.LocaleMiddleware",
    "flowercrm.middleware.RejectNulBytesMiddleware",
    "flowercrm.middleware.ShopTimezoneMiddleware",
    # Each request starts with an empty shop scope (views enter theirs); /admin/ disables it.
    "flowercrm.scopes.ScopeMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"
APPEND_SLASH = False

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
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

# --- Database ------------------------------------------------------------------------------
DB_POOL_MAX_SIZE = env.int("DB_POOL_MAX_SIZE", default=10)
DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
_db = DATABASES["default"]
# Django's pool refuses persistent connections; the pool is what reuses them.
_db["CONN_MAX_AGE"] = 0
if _db["ENGINE"] == "django.db.backends.postgresql":
    _db.setdefault("OPTIONS", {})
    _db["OPTIONS"].update(
        {
            "pool": {"min_size": 1, "max_size": DB_POOL_MAX_SIZE, "timeout": 5},
            "connect_timeout": 3,
        }
    )
elif _db["ENGINE"] == "django.db.backends.sqlite3":
    _db.setdefault("OPTIONS", {})
    _db["OPTIONS"].update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache and channel layer --------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
CHANNELS_PREFIX = env.str("CHANNELS_PREFIX", default="flowercrm")
if PRODUCTION and not REDIS_URL:
    raise ImproperlyConfigured(
        "REDIS_URL is required in production: the in-memory channel layer, cache and rate "
        "limits do not cross processes."
    )
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CHANNELS_PREFIX,
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
    # Redis pub/sub: a group send is one PUBLISH, and each process fans it out to its own
    # sockets (channels-redis' list layer pushed one message per socket: 161 per order edit).
    # Pub/sub channels ignore the Redis database number: deployments sharing a Redis need
    # their own CHANNELS_PREFIX. At-most-once, like any socket: a client that was away
    # catches up with ``since`` (ARCHITECTURE §6).
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": CHANNELS_PREFIX},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels.layers.InMemoryChannelLayer", "CONFIG": {"capacity": 2000, "expiry": 60}}
    }

# --- Auth ----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_MAX_LENGTH = 128

# --- I18N and time -------------------------------------------------------------------------
LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", "Русский"), ("en", "English")]
TIME_ZONE = "Asia/Almaty"
USE_I18N = True
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_TZ = True
DEFAULT_PHONE_REGION = "KZ"

# --- Static and media ----------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
MEDIA_URL = env.str("MEDIA_URL", default="/media/")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Uploads (ARCHITECTURE §8): an image file is at most 10 MiB; a request body gets room for the
# multipart envelope on top. The ASGI guard (flowercrm.asgi) refuses larger bodies before Django
# reads them; the upload view checks again for WSGI. nginx: client_max_body_size 11m.
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_REQUEST_BODY_BYTES = MAX_UPLOAD_BYTES + 512 * 1024
# Images one person may upload in any hour (counted from the uploads table, so it holds across
# worker processes); the next one is 429 with Retry-After.
UPLOADS_PER_HOUR = env.int("UPLOADS_PER_HOUR", default=60)
# Non-file request data (JSON bodies, form fields) held in memory; larger bodies are refused.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# Uploaded files above this spill to a temporary file instead of memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
if AWS_STORAGE_BUCKET_NAME:
    STORAGES["default"] = {"BACKEND": "storages.backends.s3.S3Storage"}
    AWS_S3_REGION_NAME = env.str("AWS_S3_REGION_NAME", default=None)
    AWS_S3_ENDPOINT_URL = env.str("AWS_S3_ENDPOINT_URL", default=None)
    AWS_S3_CUSTOM_DOMAIN = env.str("AWS_S3_CUSTOM_DOMAIN", default=None)
    AWS_QUERYSTRING_AUTH = env.bool("AWS_QUERYSTRING_AUTH", default=True)
    AWS_QUERYSTRING_EXPIRE = env.int("AWS_QUERYSTRING_EXPIRE", default=3600)
    AWS_DEFAULT_ACL = None
    AWS_S3_FILE_OVERWRITE = False

# --- DRF, JWT, OpenAPI ---------------------------------------------------------------------
REST_FRAMEWORK = {
    # JWT first: DRF answers 401 only when the first class has an authenticate_header.
    "DEFAULT_AUTHENTICATION_CLASSES": ["flowercrm.auth.ShopJWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["flowercrm.permissions.IsShopMember"],
    "DEFAULT_RENDERER_CLASSES": ["flowercrm.renderers.FastJSONRenderer"],
    # JSON only (uploads set their own multipart parser): an HTML form reads a boolean it does
    # not carry as false, so a form-encoded PATCH would switch flags off.
    "DEFAULT_PARSER_CLASSES": ["flowercrm.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "flowercrm.pagination.SkipLimitPagination",
    "DEFAULT_FILTER_BACKENDS": [
        "flowercrm.filters.FilterSetBackend",
        "flowercrm.filters.SearchTextFilter",
        "flowercrm.filters.StrictOrderingFilter",
    ],
    "EXCEPTION_HANDLER": "flowercrm.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_RATES": {
        "login_user": env.str("THROTTLE_LOGIN_USER", default="5/min"),
        "login_ip": env.str("THROTTLE_LOGIN_IP", default="30/min"),
        "tracking": env.str("THROTTLE_TRACKING", default="60/min"),
        # The public storefront: catalogue reads per address; orders per address and per phone.
        "storefront": env.str("THROTTLE_STOREFRONT", default="120/min"),
        "storefront_checkout": env.str("THROTTLE_STOREFRONT_CHECKOUT", default="30/hour"),
        "storefront_checkout_phone": env.str("THROTTLE_STOREFRONT_CHECKOUT_PHONE", default="10/hour"),
    },
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "UNAUTHENTICATED_USER": None,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=ACCESS_TOKEN_EXPIRE_MINUTES),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=REFRESH_TOKEN_EXPIRE_DAYS),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,
    "ALGORITHM": ALGORITHM,
    "SIGNING_KEY": SECRET_KEY,
    "AUTH_HEADER_TYPES": ("Bearer",),
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "user_id",
    "LEEWAY": 0,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "FlowerCRM API",
    "DESCRIPTION": (
        "Back office of a flower business. Lists answer {items, total}; every error answers "
        "{detail, code} (+ errors for validation, missing for shortages)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "flowercrm.schema.add_error_responses",
    ],
    # One schema name per choice set, so generated clients get stable enum types.
    "ENUM_NAME_OVERRIDES": {
        "RoleEnum": "flowercrm.roles.Role",
        "ProductCategoryEnum": "apps.catalog.models.ProductCategory",
        "StockCategoryEnum": "apps.warehouse.models.StockCategory",
        "StockUnitEnum": "apps.warehouse.models.StockUnit",
        "MovementKindEnum": "apps.warehouse.models.MovementKind",
        "WriteOffReasonEnum": "apps.warehouse.models.WriteOffReason",
        "OrderStatusEnum": "apps.orders.models.OrderStatus",
        "DeliveryMethodEnum": "apps.orders.models.DeliveryMethod",
        "PaymentStatusEnum": "apps.orders.models.PaymentStatus",
        "PaymentMethodEnum": "apps.orders.models.PaymentMethod",
        "IssueTypeEnum": "apps.orders.models.IssueType",
        "OrderEventTypeEnum": "apps.orders.models.EventType",
        "PhotoKindEnum": "apps.orders.models.PhotoKind",
        "SourceEnum": "apps.customers.models.Source",
        "TaskStatusEnum": "apps.production.models.TaskStatus",
        "TaskPriorityEnum": "apps.production.models.TaskPriority",
        "SupplyStatusEnum": "apps.supplies.models.SupplyStatus",
        "ImageContentTypeEnum": "flowercrm.models.UploadedImage.ContentType",
    },
}

# --- Security ------------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if PRODUCTION:
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^health/?$"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 31_536_000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# --- CORS ----------------------------------------------------------------------------------
from corsheaders.defaults import default_headers  # noqa: E402

CORS_ALLOW_HEADERS = (*default_headers, "idempotency-key")
CORS_EXPOSE_HEADERS = ["Retry-After"]

# --- Telegram ------------------------------------------------------------------------------
TELEGRAM_BOT_TOKEN = env.str("TELEGRAM_BOT_TOKEN", default="")
TELEGRAM_BOT_USERNAME = env.str("TELEGRAM_BOT_USERNAME", default="")
TELEGRAM_API_BASE_URL = env.str("TELEGRAM_API_BASE_URL", default="https://api.telegram.org")
TELEGRAM_BACKEND = env.str("TELEGRAM_BACKEND", default="telegram" if TELEGRAM_BOT_TOKEN else "console")
# Set to enable POST /api/telegram/webhook (Telegram sends it as X-Telegram-Bot-Api-Secret-Token).
TELEGRAM_WEBHOOK_SECRET = env.str("TELEGRAM_WEBHOOK_SECRET", default="")
# A new shop signs itself up by a Telegram code (``/api/auth/signup/*``; 404 when off).
SIGNUP_ENABLED = env.bool("SIGNUP_ENABLED", default=True)

FLOWERCRM_ADMIN_PASSWORD = env.str("FLOWERCRM_ADMIN_PASSWORD", default="")

# --- What the kernel runs from the apps (it imports no app itself) -------------------------
# ``/ws?since=``: the messages a reconnecting socket missed (flowercrm.realtime.consumers).
FLOWERCRM_EVENT_REPLAY = "apps.orders.events.order_replay"
# The admin (``flowercrm.admin_site``): the shops whose back office a user runs, and the
# dashboard of those shops on the admin index.
FLOWERCRM_ADMIN_SHOPS = "apps.shops.selectors.shops_run_by"
FLOWERCRM_ADMIN_DASHBOARD = "apps.orders.admin_dashboard.admin_dashboard"
# The reports' charts under the dashboard: ``(*, request, shops) -> dict | None`` (the context
# of the index template's ``dashboard_charts`` block).
FLOWERCRM_ADMIN_CHARTS = "apps.reports.admin_charts.dashboard_charts"
# ``manage.py maintenance``: what each clean-up deletes → the function that does it.
# What ``manage.py maintenance`` purges: {what (printed, translated), the purge function}.
FLOWERCRM_MAINTENANCE = {
    gettext_noop("one-time code rows"): "apps.accounts.otp.otp_delete_expired",
    gettext_noop("unused Telegram contacts"): "apps.accounts.telegram_link.telegram_contact_delete_stale",
    gettext_noop("idempotency keys"): "flowercrm.idempotency.idempotency_purge",
    gettext_noop("unattached images"): "flowercrm.uploads.image_purge_unattached",
}

# --- Logging -------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # httpx logs every request URL at INFO, and Bot API URLs contain the bot token.
        "httpx": {"level": "WARNING"},
    },
}
