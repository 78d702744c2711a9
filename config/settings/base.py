"""Settings shared by every environment; each value comes from the environment."""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

from config.environment import ConfigurationError, database_from_url, redis_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

try:
    DEBUG = env.bool("DEBUG", default=False)
except Exception:
    raise ConfigurationError("DEBUG", "must be true or false.") from None
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# The portal's address in the links of emails: each environment's settings give its
# default (development: the port `make run` serves; production: the first allowed host).
SITE_NAME = env.str("SITE_NAME", default="Support Portal")

INSTALLED_APPS = [
    "config.apps.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_countries",
    "django_htmx",
    "csp",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "accounts",
    "notifications",
    "licensing",
    "helpdesk",
    "feedback",
    "bench",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.UserPreferencesMiddleware",
    "accounts.middleware.InvalidTextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
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
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.portal",
            ],
        },
    },
]

# Databases -----------------------------------------------------------------
DATABASES = {"default": database_from_url(env, default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat write to one file side by side: WAL lets readers run during a
    # write, IMMEDIATE takes the write lock up front (no upgrade deadlocks) and the busy
    # timeout makes a writer wait instead of failing.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;"
        ),
    }
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache and broker -------------------------------------------------------------
REDIS_URL = redis_url(env)
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="portal"),
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
        # Publishing from a web request gives up at once when Redis is down (instead of
        # retrying for seconds per email): the outbox row stays pending and the beat re-scan
        # sends it once Redis is back.
        "max_retries": 1,
        "interval_start": 0,
        "interval_step": 0.2,
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "portal_cache",
        }
    }
    BROKER_DIR = Path(env.str("BROKER_DIR", default=str(VAR_DIR / "broker")))
    # The transport has no host; naming one keeps kombu from warning about it on every
    # connection.
    CELERY_BROKER_URL = "filesystem://localhost/"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }

# Celery -----------------------------------------------------------------------
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# What a task prints (the console email backend's emails, in development) is information,
# not the warning Celery files it under by default.
CELERY_WORKER_REDIRECT_STDOUTS_LEVEL = "INFO"
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_BEAT_SCHEDULE_FILENAME = env.str(
    "CELERY_BEAT_SCHEDULE_FILENAME", default=str(VAR_DIR / "celerybeat-schedule")
)
CELERY_BEAT_SCHEDULE = {
    "requeue-pending-notifications": {
        "task": "notifications.tasks.requeue_pending_notifications",
        "schedule": timedelta(minutes=2),
    },
    "purge-sent-notifications": {
        "task": "notifications.tasks.purge_old_notifications",
        "schedule": crontab(hour=3, minute=17),
    },
    "purge-delivered-credentials": {
        "task": "notifications.tasks.purge_delivered_credentials",
        "schedule": timedelta(minutes=10),
    },
    "helpdesk-close-resolved": {
        "task": "helpdesk.tasks.close_resolved_requests",
        "schedule": timedelta(minutes=30),
    },
    "helpdesk-remind-waiting": {
        "task": "helpdesk.tasks.remind_waiting_customers",
        "schedule": timedelta(minutes=30),
    },
    "helpdesk-close-silent": {
        "task": "helpdesk.tasks.close_silent_requests",
        "schedule": timedelta(minutes=30),
    },
    "helpdesk-sweep-sla": {
        "task": "helpdesk.tasks.sweep_sla",
        "schedule": timedelta(minutes=2),
    },
    "helpdesk-purge-samples": {
        "task": "helpdesk.tasks.purge_expired_samples",
        "schedule": crontab(hour=4, minute=7),
    },
    "helpdesk-requeue-inbound-email": {
        "task": "helpdesk.tasks.requeue_inbound_emails",
        "schedule": timedelta(minutes=2),
    },
    "feedback-send-post-resolution": {
        "task": "feedback.tasks.send_post_resolution_requests",
        "schedule": timedelta(minutes=15),
    },
    "feedback-send-reminders": {
        "task": "feedback.tasks.send_feedback_reminders",
        "schedule": crontab(minute=40),
    },
    "feedback-send-periodic": {
        "task": "feedback.tasks.send_periodic_surveys",
        "schedule": crontab(hour=2, minute=25),
    },
}

# Auth -------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # Django's model backend, reading permissions and groups in one query.
    "accounts.backends.PortalModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
# Where a person lands after signing in is decided in one place:
# accounts.adapters.AccountAdapter.get_login_redirect_url.
LOGIN_REDIRECT_URL = "accounts:workspace"
LOGOUT_REDIRECT_URL = "account_login"

ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.SignupForm"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
# LOGIN_RATE_LIMITS=false switches allauth's limits off, for a test drive that signs in many
# times from one address (`make attack`); never in a deployment.
ACCOUNT_RATE_LIMITS = env.bool("LOGIN_RATE_LIMITS", default=True) and {
    "login": "30/m/ip",
    # The sixth wrong password for one account within five minutes is refused.
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "reauthenticate": "10/m/user",
}
# Wrong activation codes one account or address may try per window (licensing.ratelimit).
LICENCE_CLAIM_MAX_FAILURES = env.int("LICENCE_CLAIM_MAX_FAILURES", default=10)
INVITATION_EXPIRY_DAYS = env.int("INVITATION_EXPIRY_DAYS", default=7)
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
# Staff must have TOTP set up before they reach the admin (on in production).
ADMIN_REQUIRES_MFA = env.bool("ADMIN_REQUIRES_MFA", default=False)
MFA_TOTP_ISSUER = SITE_NAME

# Internationalisation -------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ms", _("Malay"))]
# The portal's catalogue, then the Malay of the django-allauth pages and emails the portal
# uses (allauth ships none).
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "accounts" / "allauth_locale"]
# Dates and times the same way in both languages: day before month, the month in words,
# and a 24-hour clock (config/formats/<language>/formats.py).
FORMAT_MODULE_PATH = ["config.formats"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True
DEFAULT_USER_TIME_ZONE = "Asia/Kuala_Lumpur"
DEFAULT_COUNTRY = "MY"

# Static and uploaded files --------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
PRIVATE_MEDIA_ROOT = Path(env.str("PRIVATE_MEDIA_ROOT", default=str(VAR_DIR / "private")))
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(PRIVATE_MEDIA_ROOT), "base_url": None},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_BYTES", default=25 * 1024 * 1024)
# Malware samples (4.1.2 a, b) are deleted this long after upload; their metadata stays.
SAMPLE_RETENTION_DAYS = env.int("SAMPLE_RETENTION_DAYS", default=90)

# Helpdesk lifecycle (DESIGN.md section 4) ---------------------------------------------
# A customer reply re-opens a resolved request within this many days; after that the
# request closes, and a reply files a follow-up request instead.
REOPEN_WINDOW_DAYS = env.int("REOPEN_WINDOW_DAYS", default=7)
# A request waiting on a silent customer gets one reminder after WAITING_REMINDER_DAYS and
# is closed as "no response" (clause 6.4) after WAITING_CLOSE_DAYS of silence.
WAITING_REMINDER_DAYS = env.int("WAITING_REMINDER_DAYS", default=3)
WAITING_CLOSE_DAYS = env.int("WAITING_CLOSE_DAYS", default=10)
# Service levels of paid plans (DESIGN.md section 5): the assignee is reminded when this
# share of a target's business time has passed; supervisors are told at the breach. The
# beat sweep handles at most SLA_SWEEP_BATCH requests or SLA_SWEEP_SECONDS per run.
SLA_REMINDER_SHARE = 0.75
SLA_SWEEP_BATCH = 2000
SLA_SWEEP_SECONDS = 60.0

# Email --------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
# A backend class named outright wins over the one EMAIL_URL implies (EMAIL_URL still gives
# its host or file path): the reliability tests give a worker a mail server that hangs.
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default=EMAIL_CONFIG["EMAIL_BACKEND"])
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Support <support@example.com>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
NOTIFICATION_REQUEUE_AFTER = timedelta(minutes=env.int("NOTIFICATION_REQUEUE_MINUTES", default=3))
NOTIFICATION_MAX_ATTEMPTS = 6
# A temporary mail failure is tried again after 30 s, 60 s, 120 s ... (capped at an hour).
NOTIFICATION_RETRY_BASE_SECONDS = env.float("NOTIFICATION_RETRY_BASE_SECONDS", default=30)
NOTIFICATION_RETENTION_DAYS = env.int("NOTIFICATION_RETENTION_DAYS", default=90)
# Emails carrying a password-reset or invitation link are deleted this long after sending.
NOTIFICATION_CREDENTIAL_RETENTION = timedelta(
    minutes=env.int("NOTIFICATION_CREDENTIAL_RETENTION_MINUTES", default=60))

# The email channel (helpdesk.email) ----------------------------------------------------
# Every email about a request has a reply address <local>+<token>@INBOUND_EMAIL_DOMAIN;
# new mail goes to <local>@INBOUND_EMAIL_DOMAIN. The default, under the reserved .localhost,
# makes both work in development without ever reaching anyone.
INBOUND_EMAIL_DOMAIN = env.str("INBOUND_EMAIL_DOMAIN", default="reply.localhost").lower()
INBOUND_EMAIL_LOCAL_PART = env.str("INBOUND_EMAIL_LOCAL_PART", default="support").lower()
# Larger messages keep only their header (the attachment limit plus base64's third).
INBOUND_EMAIL_MAX_BYTES = env.int("INBOUND_EMAIL_MAX_BYTES",
                                  default=ATTACHMENT_MAX_BYTES * 4 // 3 + 1024 * 1024)
# Messages one sender may send in an hour; more are recorded and ignored.
INBOUND_EMAIL_SENDER_LIMIT = env.int("INBOUND_EMAIL_SENDER_LIMIT", default=30)
INBOUND_EMAIL_REQUEUE_AFTER = timedelta(minutes=2)
# IMAP polling: imaps://user:password@host:993/INBOX; off when empty.
IMAP_URL = env.str("IMAP_URL", default="")
IMAP_PROCESSED_FOLDER = env.str("IMAP_PROCESSED_FOLDER", default="Processed")
IMAP_CA_FILE = env.str("IMAP_CA_FILE", default="")
IMAP_POLL_SECONDS = env.int("IMAP_POLL_SECONDS", default=60)
if IMAP_URL:
    CELERY_BEAT_SCHEDULE["helpdesk-poll-inbound-mailbox"] = {
        "task": "helpdesk.tasks.poll_inbound_mailbox",
        "schedule": timedelta(seconds=IMAP_POLL_SECONDS),
    }
# Inbound webhooks of an email provider, through django-anymail: the provider's name
# (mailgun, postmark, sendgrid, mailjet, sparkpost, postal), the user:password the provider
# posts with (HTTP basic auth), and the provider's signing key where it signs its posts.
INBOUND_EMAIL_PROVIDER = env.str("INBOUND_EMAIL_PROVIDER", default="").lower()
INBOUND_EMAIL_WEBHOOK_SECRET = env.str("INBOUND_EMAIL_WEBHOOK_SECRET", default="")
INBOUND_EMAIL_SIGNING_KEY = env.str("INBOUND_EMAIL_SIGNING_KEY", default="")

# Feedback (clause 6.3) ------------------------------------------------------------
# The post-resolution survey goes this long after a request is resolved, with one reminder
# after FEEDBACK_REMINDER_DAYS; requests resolved more than FEEDBACK_SEND_WITHIN_DAYS ago
# are never surveyed (no mail about old requests after an outage or when switching it on).
FEEDBACK_DELAY_HOURS = env.int("FEEDBACK_DELAY_HOURS", default=24)
FEEDBACK_REMINDER_DAYS = env.int("FEEDBACK_REMINDER_DAYS", default=5)
FEEDBACK_SEND_WITHIN_DAYS = env.int("FEEDBACK_SEND_WITHIN_DAYS", default=14)
FEEDBACK_TOKEN_MAX_AGE_DAYS = env.int("FEEDBACK_TOKEN_MAX_AGE_DAYS", default=30)
# Periodic relationship survey: periods of this many months (3 = quarterly), sent about the
# period just ended during the first FEEDBACK_PERIODIC_WINDOW_DAYS of the next, skipping
# anyone who answered a survey in the last FEEDBACK_QUIET_DAYS.
FEEDBACK_PERIODIC_MONTHS = env.int("FEEDBACK_PERIODIC_MONTHS", default=3)
FEEDBACK_PERIODIC_WINDOW_DAYS = env.int("FEEDBACK_PERIODIC_WINDOW_DAYS", default=14)
FEEDBACK_QUIET_DAYS = env.int("FEEDBACK_QUIET_DAYS", default=90)

# API ----------------------------------------------------------------------------
# New API tokens per person an hour (each writes an audit row; a script looping on
# token creation is refused with 429 instead).
API_TOKENS_PER_HOUR = env.int("API_TOKENS_PER_HOUR", default=10)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiTokenAuthentication",
        "accounts.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "config.api.PageNumberPagination",
    "PAGE_SIZE": 25,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "config.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_ANON_RATE", default="60/min"),
        "user": env.str("API_USER_RATE", default="600/min"),
    },
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "config.api.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Support Portal API",
    "DESCRIPTION": "Licences, eligibility, support requests and feedback, "
    "with the permissions of the portals.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.api.add_error_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "SupportRequestStatusEnum": "helpdesk.models.SupportRequest.Status",
    },
}

# Security headers ---------------------------------------------------------------
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
