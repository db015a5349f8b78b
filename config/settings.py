"""Parley settings, read from the environment through one ``environ.Env``.

PARLEY_ENV selects the profile:
- ``development`` (default): what ``make run`` embeds (SQLite, filesystem broker, file cache).
- ``production``: every secret must come from the environment; a missing one stops start-up by name.
- ``test``: what ``make test`` uses (PostgreSQL and Redis from DATABASE_URL and CELERY_BROKER_URL).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

PARLEY_ENV = env.str("PARLEY_ENV", default="development")
if PARLEY_ENV not in {"development", "production", "test"}:
    raise ImproperlyConfigured(
        f"PARLEY_ENV must be development, production or test, not {PARLEY_ENV!r}"
    )
PRODUCTION = PARLEY_ENV == "production"

REQUIRED_IN_PRODUCTION = (
    "SECRET_KEY",
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "CACHE_URL",
    "ALLOWED_HOSTS",
    "PUBLIC_BASE_URL",
    "FIELD_ENCRYPTION_KEYS",
    "BANDWIDTH_ACCOUNT_ID",
    "BANDWIDTH_CLIENT_ID",
    "BANDWIDTH_CLIENT_SECRET",
)
if PRODUCTION:
    # FIELD_ENCRYPTION_KEY, the single key of earlier releases, still stands for the list.
    missing = [
        name
        for name in REQUIRED_IN_PRODUCTION
        if not env.str(name, default="")
        and not (name == "FIELD_ENCRYPTION_KEYS" and env.str("FIELD_ENCRYPTION_KEY", default=""))
    ]
    if missing:
        raise ImproperlyConfigured(
            "Parley will not start in production without these environment variables: "
            + ", ".join(missing)
            + " (see .env.example)."
        )

DEV_SECRET = "parley-development-only-secret-key-never-use-in-production"
SECRET_KEY = env.str("SECRET_KEY", default=DEV_SECRET)
# Earlier SECRET_KEYs, still accepted (sessions, signed values, API tokens, webhook passwords).
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])
DEBUG = env.bool("DEBUG", default=PARLEY_ENV == "development")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")
# Fernet keys (urlsafe base64 of 32 bytes), newest first: new values are encrypted with the first,
# every key decrypts. FIELD_ENCRYPTION_KEY, the single key of earlier releases, is still read and
# tried after the list. Both default to a development key; production must set its own.
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[])
FIELD_ENCRYPTION_KEY = env.str(
    "FIELD_ENCRYPTION_KEY",
    default="" if FIELD_ENCRYPTION_KEYS else "cGFybGV5LWRldmVsb3BtZW50LWZpZWxkLWtleS0wMDA=",
)

INSTALLED_APPS = [
    # Django's admin on Parley's site (tenants.admin_site): every admin.site.register lands there.
    "config.apps.ParleyAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "core",
    "tenants",
    "integrations",
    "carrier",
    "numbers",
    "compliance",
    "messaging",
    "voice",
    "porting",
    "notifications",
    "usage",
]

MIDDLEWARE = [
    "core.request_id.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "core.json_endpoints.JsonEndpointsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): signed in with a one-time code too (two-factor sign-in).
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "tenants.middleware.TenantMiddleware",
    "tenants.middleware.RateLimitHeadersMiddleware",
    # Last, so it turns a lockout raised anywhere in a login view into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tenants.context_processors.tenant",
                "integrations.context_processors.webhook_banner",
                "usage.context_processors.usage_warnings",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'parley.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    if env.bool("DATABASE_POOL", default=True):
        DATABASES["default"]["CONN_MAX_AGE"] = 0
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": env.int("DATABASE_POOL_MIN", default=2),
            "max_size": env.int("DATABASE_POOL_MAX", default=10),
            "timeout": 10,
        }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server, worker and beat of make run share one file.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"init_command": "PRAGMA journal_mode=WAL;", "transaction_mode": "IMMEDIATE", "timeout": 20}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": env.cache("CACHE_URL", default=f"filecache://{VAR_DIR / 'cache'}")}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# Flash messages may carry a new member's temporary password: keep them server-side.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Failed-login throttling (django-axes) for the client UI's and the admin's login alike: after
# LOGIN_FAILURE_LIMIT failures within LOGIN_LOCKOUT_MINUTES, the account (from any address) and
# the address (for any account) are each refused for that long, with a 429 page. Staff unlock
# from the admin (Axes, Access attempts) or with `manage.py axes_reset_username` / `axes_reset`.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# A success does not wipe the address's failures: one valid login must not buy more guesses.
AXES_RESET_ON_SUCCESS = False
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_HTTP_RESPONSE_CODE = 429
AXES_CLIENT_IP_CALLABLE = "config.client_address.client_ip"
# Reverse proxies in front of the web processes that each append to X-Forwarded-For. With 0 the
# header is ignored (anyone can forge it) and the address is the socket's peer.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
# One date-time format per language (config/formats/<lang>/formats.py), used by the `when`
# and `ago` template tags; pages show times in the member's (else the tenant's) time zone.
FORMAT_MODULE_PATH = ["config.formats"]

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Browser hardening in every profile; what needs HTTPS is switched on in production below.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# The client UI and the admin run with no inline script or style: behaviour lives in
# static/parley.js and styles in static/parley.css. Only the Swagger UI page loosens it
# (config.urls). django-csp sets the header on every response.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "object-src": [NONE],
    }
}

if PRODUCTION:
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    # Preloading is a commitment browsers keep for months: the domain's owner opts in.
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# Celery: Redis (or RabbitMQ) in tests and production; a filesystem broker for make run, so the
# embedded default still runs tasks in a separate worker process without a Redis server.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "broker"
    for _folder in ("queue", "processed", "control"):
        (_broker_dir / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    # core
    "core-purge-idempotency": {"task": "core.tasks.purge_idempotency_keys", "schedule": 3600.0},
    # numbers
    "numbers-reconcile-open-orders": {
        "task": "numbers.tasks.reconcile_open_orders",
        "schedule": 30.0,
    },
    "numbers-record-number-days": {"task": "numbers.tasks.record_number_days", "schedule": 3600.0},
    # messaging
    "messaging-dispatch-due": {"task": "messaging.tasks.dispatch_due_messages", "schedule": 20.0},
    "messaging-reconcile": {"task": "messaging.tasks.reconcile_messages", "schedule": 60.0},
    "messaging-purge-raw-events": {"task": "messaging.tasks.purge_raw_events", "schedule": 3600.0},
    "messaging-sweep-raw-events": {"task": "messaging.tasks.sweep_raw_events", "schedule": 5.0},
    "messaging-resume-contact-imports": {
        "task": "messaging.tasks.resume_contact_imports",
        "schedule": 60.0,
    },
    "messaging-advance-broadcasts": {
        "task": "messaging.tasks.advance_due_broadcasts",
        "schedule": 5.0,
    },
    # compliance
    "compliance-reconcile": {"task": "compliance.tasks.reconcile_compliance", "schedule": 60.0},
    # voice
    "voice-reconcile": {"task": "voice.tasks.reconcile_voice", "schedule": 60.0},
    # integrations
    "integrations-outbox-sweep": {"task": "integrations.tasks.sweep_outbox", "schedule": 5.0},
    "integrations-purge-outbox": {"task": "integrations.tasks.purge_outbox", "schedule": 3600.0},
    "integrations-endpoint-health": {
        "task": "integrations.tasks.check_endpoint_health",
        "schedule": 600.0,
    },
    # porting
    "porting-reconcile": {"task": "porting.tasks.reconcile_port_ins", "schedule": 3600.0},
    "porting-purge-documents": {
        "task": "porting.tasks.purge_port_in_documents",
        "schedule": 86400.0,
    },
    # notifications
    "notifications-away-emails": {
        "task": "notifications.tasks.send_away_emails",
        "schedule": 60.0,
    },
}

# Bandwidth. OAuth2 client credentials are the way in; Basic (API user) is a fallback that
# Bandwidth switches off on 2 Dec 2026.
BANDWIDTH_ACCOUNT_ID = env.str("BANDWIDTH_ACCOUNT_ID", default="9900000")
BANDWIDTH_CLIENT_ID = env.str("BANDWIDTH_CLIENT_ID", default="parley-dev")
BANDWIDTH_CLIENT_SECRET = env.str("BANDWIDTH_CLIENT_SECRET", default="parley-dev-secret")
BANDWIDTH_USERNAME = env.str("BANDWIDTH_USERNAME", default="")
BANDWIDTH_PASSWORD = env.str("BANDWIDTH_PASSWORD", default="")
BANDWIDTH_USE_BASIC_AUTH = env.bool("BANDWIDTH_USE_BASIC_AUTH", default=False)
BANDWIDTH_MESSAGING_BASE_URL = env.str(
    "BANDWIDTH_MESSAGING_BASE_URL", default="https://messaging.bandwidth.com/api/v2"
)
BANDWIDTH_VOICE_BASE_URL = env.str(
    "BANDWIDTH_VOICE_BASE_URL", default="https://voice.bandwidth.com/api/v2"
)
BANDWIDTH_NUMBERS_BASE_URL = env.str(
    "BANDWIDTH_NUMBERS_BASE_URL", default="https://dashboard.bandwidth.com/api"
)
BANDWIDTH_OAUTH_TOKEN_URL = env.str(
    "BANDWIDTH_OAUTH_TOKEN_URL", default="https://api.bandwidth.com/api/v1/oauth2/token"
)
# make run only: the local emulator, for its simulation endpoints (the route editor's "try it").
BANDWIDTH_API_BASE_URL = env.str("BANDWIDTH_API_BASE_URL", default="https://api.bandwidth.com")
"""Toll-free verification (``/api/v2``) and phone number lookup (``/v2``)."""

# Compliance: Parley registers its tenants' brands as a reseller (CSP) on its account.
COMPLIANCE_RESELLER_NAME = env.str("COMPLIANCE_RESELLER_NAME", default="Parley")
COMPLIANCE_RESELLER_PHONE = env.str("COMPLIANCE_RESELLER_PHONE", default="+18005550199")
COMPLIANCE_RESELLER_EMAIL = env.str(
    "COMPLIANCE_RESELLER_EMAIL", default="compliance@parley.example"
)
# Parley's own (main) 10DLC brand, registered once per Bandwidth account before the first tenant
# brand. Sample values outside production; in production each must be set (a check warns).
_PLATFORM_SAMPLE = not PRODUCTION
COMPLIANCE_PLATFORM_BRAND = {
    "entity_type": env.str("COMPLIANCE_PLATFORM_ENTITY_TYPE", default="PRIVATE_PROFIT"),
    "legal_name": env.str(
        "COMPLIANCE_PLATFORM_LEGAL_NAME", default="Parley Platform Inc." if _PLATFORM_SAMPLE else ""
    ),
    "ein": env.str("COMPLIANCE_PLATFORM_EIN", default="98-7654321" if _PLATFORM_SAMPLE else ""),
    "street": env.str(
        "COMPLIANCE_PLATFORM_STREET", default="1 Platform Way" if _PLATFORM_SAMPLE else ""
    ),
    "city": env.str("COMPLIANCE_PLATFORM_CITY", default="Raleigh" if _PLATFORM_SAMPLE else ""),
    "state": env.str("COMPLIANCE_PLATFORM_STATE", default="NC" if _PLATFORM_SAMPLE else ""),
    "postal_code": env.str(
        "COMPLIANCE_PLATFORM_POSTAL_CODE", default="27601" if _PLATFORM_SAMPLE else ""
    ),
    "country": env.str("COMPLIANCE_PLATFORM_COUNTRY", default="US"),
    "vertical": env.str("COMPLIANCE_PLATFORM_VERTICAL", default="TECHNOLOGY"),
    "website": env.str(
        "COMPLIANCE_PLATFORM_WEBSITE", default="https://parley.example" if _PLATFORM_SAMPLE else ""
    ),
}
COMPLIANCE_RECONCILE_AFTER_SECONDS = env.float("COMPLIANCE_RECONCILE_AFTER_SECONDS", default=60.0)
LINE_TYPE_LOOKUP_ON_SEND = env.bool("LINE_TYPE_LOOKUP_ON_SEND", default=True)
"""Look up recipients' line types at Bandwidth (once per 30 days): before texting them, for a
broadcast's recipients and, in bulk, for an import's numbers. Off, only lookups already stored
count."""
LINE_TYPE_BULK_WAIT_SECONDS = env.float("LINE_TYPE_BULK_WAIT_SECONDS", default=300.0)
"""How long a broadcast waits for the line types an import's bulk lookup will bring before it
asks Bandwidth for them one by one."""
BANDWIDTH_EMULATOR_URL = env.str("BANDWIDTH_EMULATOR_URL", default="")
BANDWIDTH_CONNECT_TIMEOUT = env.float("BANDWIDTH_CONNECT_TIMEOUT", default=3.05)
BANDWIDTH_READ_TIMEOUT = env.float("BANDWIDTH_READ_TIMEOUT", default=15.0)
# Retries of every Bandwidth call (core.retries): backoff with full jitter from the base up to
# the cap; work fails once its next attempt would fall past the horizon (seconds since the first).
RETRY_BASE_SECONDS = env.float("RETRY_BASE_SECONDS", default=2.0)
RETRY_MAX_SECONDS = env.float("RETRY_MAX_SECONDS", default=300.0)
RETRY_HORIZON_SECONDS = env.float("RETRY_HORIZON_SECONDS", default=1800.0)
# A click-to-call has someone waiting for their phone to ring: a short horizon.
VOICE_DIAL_HORIZON_SECONDS = env.float("VOICE_DIAL_HORIZON_SECONDS", default=60.0)

# Messaging dispatch and retention (defaults suit Bandwidth's documented limits).
MESSAGING_ACCOUNT_SEGMENTS_PER_SECOND = env.float(
    "MESSAGING_ACCOUNT_SEGMENTS_PER_SECOND", default=15.0
)
MESSAGING_LIMITER_MARGIN_SECONDS = env.float("MESSAGING_LIMITER_MARGIN_SECONDS", default=0.02)
MESSAGING_LIMITER_MAX_WAIT_SECONDS = env.float("MESSAGING_LIMITER_MAX_WAIT_SECONDS", default=10.0)
MESSAGING_DISPATCH_LEASE_SECONDS = env.float("MESSAGING_DISPATCH_LEASE_SECONDS", default=120.0)
MESSAGING_STUCK_AFTER_SECONDS = env.float("MESSAGING_STUCK_AFTER_SECONDS", default=60.0)
MESSAGING_RECONCILE_DELAY_SECONDS = env.float("MESSAGING_RECONCILE_DELAY_SECONDS", default=30.0)
MESSAGING_RECONCILE_GRACE_SECONDS = env.float("MESSAGING_RECONCILE_GRACE_SECONDS", default=120.0)
MESSAGING_DRAINERS = env.int("MESSAGING_DRAINERS", default=2)
BROADCAST_LOOKAHEAD_SECONDS = env.float("BROADCAST_LOOKAHEAD_SECONDS", default=3.0)
BROADCAST_ADVANCE_SECONDS = env.float("BROADCAST_ADVANCE_SECONDS", default=1.0)
BROADCAST_LEAD_SECONDS = env.float("BROADCAST_LEAD_SECONDS", default=0.5)
BROADCAST_STALLED_SECONDS = env.float("BROADCAST_STALLED_SECONDS", default=15.0)
BROADCAST_LOOKUPS_AT_CREATION = env.int("BROADCAST_LOOKUPS_AT_CREATION", default=500)
"""Line types a new broadcast asks Bandwidth for at once (its report counts them from the
start); the rest are looked up just before each recipient's turn."""
MESSAGING_RAW_EVENT_RETENTION_DAYS = env.int("MESSAGING_RAW_EVENT_RETENTION_DAYS", default=30)
MESSAGING_MAX_INBOUND_MEDIA_BYTES = env.int("MESSAGING_MAX_INBOUND_MEDIA_BYTES", default=5_000_000)

# Outgoing webhooks (integrations): waits between attempts of one delivery (jittered by 20%),
# the request timeout, how much of a response is read, how long an endpoint may fail before it is
# disabled, how long a rotated-out secret still signs. Private, loopback and link-local
# destinations and plain http are refused in production; elsewhere a developer may receive
# webhooks on their own machine.
WEBHOOK_RETRY_SCHEDULE = env.list(
    "WEBHOOK_RETRY_SCHEDULE",
    cast=float,
    default=[5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400],
)
WEBHOOK_RETRY_HORIZON_SECONDS = env.float("WEBHOOK_RETRY_HORIZON_SECONDS", default=4 * 86400.0)
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=10.0)
WEBHOOK_RESPONSE_CAP_BYTES = env.int("WEBHOOK_RESPONSE_CAP_BYTES", default=4096)
WEBHOOK_DISABLE_AFTER_SECONDS = env.float("WEBHOOK_DISABLE_AFTER_SECONDS", default=5 * 86400.0)
WEBHOOK_SECRET_OVERLAP_SECONDS = env.float("WEBHOOK_SECRET_OVERLAP_SECONDS", default=86400.0)
WEBHOOK_ALLOW_PRIVATE_DESTINATIONS = env.bool(
    "WEBHOOK_ALLOW_PRIVATE_DESTINATIONS", default=not PRODUCTION
)
WEBHOOK_OUTBOX_SWEEP_AFTER_SECONDS = env.float("WEBHOOK_OUTBOX_SWEEP_AFTER_SECONDS", default=10.0)
WEBHOOK_RETENTION_DAYS = env.int("WEBHOOK_RETENTION_DAYS", default=30)

# Port-in documents (LOAs, bills) are deleted this many days after the port completes or is
# cancelled.
PORTING_DOCUMENT_RETENTION_DAYS = env.int("PORTING_DOCUMENT_RETENTION_DAYS", default=30)

# JSON endpoints (the API and webhooks): bodies over DATA_UPLOAD_MAX_MEMORY_SIZE get 413, and
# bodies nested deeper than JSON_MAX_DEPTH get 400 (core.json_endpoints).
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)
JSON_MAX_DEPTH = env.int("JSON_MAX_DEPTH", default=32)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "tenants.authentication.ApiTokenAuthentication",
        "tenants.authentication.TenantSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["tenants.permissions.IsTenantMember"],
    "DEFAULT_PAGINATION_CLASS": "tenants.pagination.CreatedCursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_CLASSES": ["tenants.throttling.ApiTokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api_token": env.str("API_THROTTLE_RATE", default="1200/min")},
    "EXCEPTION_HANDLER": "tenants.api_base.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "tenants.api_schema.ParleyAutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Parley API",
    "DESCRIPTION": "Numbers, messages and calls for one Parley tenant, authenticated by API token.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI and Redoc come from the drf-spectacular-sidecar package, served as static files
    # by Parley itself: the docs work offline and the pages need no CDN in their CSP.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "ConversationStatusEnum": "messaging.models.Conversation.Status",
        "CallStatusEnum": "voice.models.Call.Status",
        "PhoneNumberStatusEnum": "numbers.models.PhoneNumber.Status",
        "NumberOrderStatusEnum": "numbers.models.NumberOrder.Status",
        "PortInDocumentKindEnum": "porting.models.PortInDocument.Kind",
    },
    # PATCH bodies are the update serializers as they are (their required fields stay required).
    "COMPONENT_SPLIT_PATCH": False,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "integrations.catalogue.add_event_schemas",
    ],
}

# Staff alerts (Django's mail_admins): a tenant reaching one of its outbound call limits. ADMINS
# is a comma-separated list of addresses; mail goes out through EMAIL_URL (django-environ syntax:
# smtp+tls://user:password@host:587, consolemail:// prints it).
ADMINS = [(address, address) for address in env.list("ADMINS", default=[])]
SERVER_EMAIL = env.str("SERVER_EMAIL", default="parley@localhost")
# Mail to people: invitations, password resets, notifications while away.
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Parley <parley@localhost>")
# How long an invitation or password-reset link works (it also stops once used).
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=3 * 24 * 3600)
# Browser and email notifications: an email is sent to a member not seen for this long, at most
# once per NOTIFY_EMAIL_INTERVAL_SECONDS.
NOTIFY_AWAY_AFTER_SECONDS = env.int("NOTIFY_AWAY_AFTER_SECONDS", default=300)
NOTIFY_EMAIL_INTERVAL_SECONDS = env.int("NOTIFY_EMAIL_INTERVAL_SECONDS", default=600)
OTP_TOTP_ISSUER = "Parley"
# Staff must have an authenticator app before any admin page works (on by default in production).
# Staff who have one give its code first in every profile, whatever this says.
ADMIN_REQUIRE_TWO_FACTOR = env.bool("PARLEY_ADMIN_REQUIRE_TWO_FACTOR", default=PRODUCTION)
EMAIL_SUBJECT_PREFIX = "[Parley] "
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "core.request_id.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

import numbers as _numbers_app  # noqa: E402

if not hasattr(_numbers_app, "__path__"):
    raise ImproperlyConfigured(
        "Python's standard library module 'numbers' was imported instead of Parley's numbers app. "
        "Start Parley with the project root first on sys.path: `python -m <tool>` from the project "
        "root, or PYTHONPATH=. (the Makefile and Procfile do this)."
    )
