"""Settings come from the environment; every default is safe for a developer's machine."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config import __version__

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("SHOP_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set SECRET_KEY (or DEBUG=1 for a development key).")
    SECRET_KEY = "django-insecure-development-only-key-do-not-use-in-production"

ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "djmoney",
    "django_rq",
    "axes",
    "shop",
    "sales",
    "allegro",
    "erp",
    "config",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "shop.middleware.ShopLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "shop.middleware.ContentSecurityPolicyMiddleware",
    # Last: turns a lockout raised while signing in into our lockout page.
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
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "shop.context_processors.navigation",
                "shop.context_processors.health_banner",
                "allegro.messaging.context_processors.unread_messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'shop.sqlite3'}"),
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        # A connection PostgreSQL dropped (restart, failover) is noticed before it is used,
        # not by the next job or request failing on it.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Worker, web and scheduler share one file: wait for locks instead of failing at once.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out user or address before the password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "allegro:orders:order_list"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "pl"
# Dates as each language writes them (03.12.2026 09:14 in Polish): config/formats/<lang>/.
FORMAT_MODULE_PATH = ["config.formats"]
LANGUAGES = [("pl", _("Polish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Warsaw"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))

# Production hardening follows DEBUG so that `check --deploy` is clean with production settings.
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = not DEBUG and env_bool("SECURE_COOKIES", True)
SECURE_SSL_REDIRECT = not DEBUG and env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = 0 if DEBUG else int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
# Only a proxy in front of us may say the request came over HTTPS, or from which address: a
# client talking to us directly could otherwise claim either.
TRUST_PROXY_HEADERS = env_bool("TRUST_PROXY_HEADERS", False)
if TRUST_PROXY_HEADERS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Scripts, styles and images from the back office itself only; nothing inline, no framing.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
# The RQ dashboard (django-rq's own templates) runs inline scripts: allowed there only.
CONTENT_SECURITY_POLICY_RELAXED_PATHS = ("/admin/rq/",)
CONTENT_SECURITY_POLICY_RELAXED = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
)
# Staff sign in for a working day; a shared machine can end the session with the browser.
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(8 * 60 * 60)))
SESSION_EXPIRE_AT_BROWSER_CLOSE = env_bool("SESSION_EXPIRE_AT_BROWSER_CLOSE", False)

# Sign-in throttling (django-axes): this many failures for one user name, or from one address,
# lock it out for LOGIN_LOCKOUT_MINUTES (0: until an administrator lifts it).
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "10"))
_LOCKOUT_MINUTES = int(os.environ.get("LOGIN_LOCKOUT_MINUTES", "30"))
AXES_COOLOFF_TIME = timedelta(minutes=_LOCKOUT_MINUTES) if _LOCKOUT_MINUTES else None
AXES_LOCKOUT_PARAMETERS = [["username"], ["ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "shop.auth.client_ip"
AXES_VERBOSE = False

# The product's own name, and the shop's (shown beside it in the header and titles).
PRODUCT_NAME = "Kontuar"
PRODUCT_VERSION = __version__
# Who to contact about this installation (a URL or an e-mail), sent to Allegro in the
# User-Agent so that Allegro can reach whoever runs it: "Kontuar/1.0.0 (+contact)".
PRODUCT_CONTACT = os.environ.get("PRODUCT_CONTACT", "")
SHOP_NAME = os.environ.get("SHOP_NAME", "")

CURRENCIES = ("PLN", "CZK", "EUR", "HUF")
# ISO 4217 minor units, as Allegro sends them (CZK and HUF too come with two decimals).
CURRENCY_MINOR_UNITS = {"PLN": 2, "CZK": 2, "EUR": 2, "HUF": 2}
DEFAULT_CURRENCY = "PLN"

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 600}}
RQ = {"COMMIT_MODE": "on_db_commit", "WORKER_CLASS": "config.worker.ShopWorker"}

# Allegro: the defaults point at the offline emulator (`python -m emulator`).
ALLEGRO_API_URL = os.environ.get("ALLEGRO_API_URL", "http://127.0.0.1:8765")
ALLEGRO_AUTH_URL = os.environ.get("ALLEGRO_AUTH_URL", "http://127.0.0.1:8765/auth/oauth")
ALLEGRO_CLIENT_ID = os.environ.get("ALLEGRO_CLIENT_ID", "emulator-client")
ALLEGRO_CLIENT_SECRET = os.environ.get("ALLEGRO_CLIENT_SECRET", "emulator-secret")
ALLEGRO_HTTP_TIMEOUT = float(os.environ.get("ALLEGRO_HTTP_TIMEOUT", "15"))
ALLEGRO_IMPORT_INTERVAL = int(os.environ.get("ALLEGRO_IMPORT_INTERVAL", "30"))
ALLEGRO_RECONCILE_INTERVAL = int(os.environ.get("ALLEGRO_RECONCILE_INTERVAL", "600"))
ALLEGRO_BACKFILL_DAYS = int(os.environ.get("ALLEGRO_BACKFILL_DAYS", "30"))
# Tokens are encrypted at rest with a key derived from this (SECRET_KEY when unset).
ALLEGRO_TOKEN_KEY = os.environ.get("ALLEGRO_TOKEN_KEY", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"refusals_one_line": {"()": "shop.log.RefusalsOneLine"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # A refusal (403) or a missing page (404) is expected: one line, never a traceback.
        "django.request": {"filters": ["refusals_one_line"]},
        # django-axes speaks several lines per attempt; shop.auth logs one line each instead.
        "axes": {"level": "ERROR"},
    },
}
# An import that runs longer than this loses its lock to the next one (which then races safely).
# A running import or automatic conversion holds its account's lease and renews it; a
# killed one lets it expire after this many seconds, so the next run waits at most that long.
JOB_LEASE_SECONDS = int(os.environ.get("JOB_LEASE_SECONDS", "45"))
# A worker or the scheduler not seen for this long raises the administrators' banner.
HEALTH_STALE_SECONDS = int(os.environ.get("HEALTH_STALE_SECONDS", "60"))
# Transient Allegro errors (5xx, timeouts, 429) are retried within a job with backoff.
ALLEGRO_IMPORT_ATTEMPTS = int(os.environ.get("ALLEGRO_IMPORT_ATTEMPTS", "4"))
ALLEGRO_RETRY_BASE_DELAY = float(os.environ.get("ALLEGRO_RETRY_BASE_DELAY", "1"))
ALLEGRO_RETRY_MAX_DELAY = float(os.environ.get("ALLEGRO_RETRY_MAX_DELAY", "30"))
# One budget for every worker and every account of this installation: Allegro allows 9,000
# requests a minute per Client ID, shared with every other installation using the same Client
# ID, and never raised. 6,000 leaves a third for those, for OAuth calls and for bursts at the
# edge of a second (allegro/api/budget.py).
ALLEGRO_REQUESTS_PER_MINUTE = int(os.environ.get("ALLEGRO_REQUESTS_PER_MINUTE", "6000"))
# The percentage of each second's budget reads (imports, backfill) may use; writes (status,
# tracking numbers, invoices) may use all of it, so the rest is always theirs.
ALLEGRO_READ_SHARE = int(os.environ.get("ALLEGRO_READ_SHARE", "70"))
# How long a worker waits for budget before giving the job back to be retried.
ALLEGRO_BUDGET_MAX_WAIT = float(os.environ.get("ALLEGRO_BUDGET_MAX_WAIT", "30"))
# How long every worker of every account pauses after a 429 that names no Retry-After.
ALLEGRO_RATE_LIMIT_PAUSE = float(os.environ.get("ALLEGRO_RATE_LIMIT_PAUSE", "10"))
# Writes to Allegro: a worker holds a write this long; one killed mid-way loses it after that.
ALLEGRO_WRITE_LEASE = int(os.environ.get("ALLEGRO_WRITE_LEASE", "120"))
ALLEGRO_WRITE_MAX_ATTEMPTS = int(os.environ.get("ALLEGRO_WRITE_MAX_ATTEMPTS", "12"))
# The sweep queues again a due write untouched for this long, every ..._INTERVAL seconds.
ALLEGRO_WRITE_SWEEP_AFTER = int(os.environ.get("ALLEGRO_WRITE_SWEEP_AFTER", "60"))
ALLEGRO_WRITE_SWEEP_INTERVAL = int(os.environ.get("ALLEGRO_WRITE_SWEEP_INTERVAL", "30"))
# Customer returns: how often they are read, how many days back (their statuses move for
# weeks), and the page size (Allegro allows 1..1000).
ALLEGRO_RETURNS_INTERVAL = int(os.environ.get("ALLEGRO_RETURNS_INTERVAL", "300"))
ALLEGRO_RETURNS_DAYS = int(os.environ.get("ALLEGRO_RETURNS_DAYS", "60"))
ALLEGRO_RETURNS_PAGE = int(os.environ.get("ALLEGRO_RETURNS_PAGE", "1000"))
# Commission refund claims: how often a filed claim is asked about until Allegro decides, and
# how often the periodic job looks for claims that are due.
ALLEGRO_CLAIM_FOLLOW_INTERVAL = int(os.environ.get("ALLEGRO_CLAIM_FOLLOW_INTERVAL", "1800"))
ALLEGRO_CLAIMS_INTERVAL = int(os.environ.get("ALLEGRO_CLAIMS_INTERVAL", "300"))
# Parcel tracking: how often the periodic job asks for due parcels, and after how many days a
# parcel that never arrived is no longer asked about.
ALLEGRO_TRACKING_INTERVAL = int(os.environ.get("ALLEGRO_TRACKING_INTERVAL", "300"))
ALLEGRO_TRACKING_MAX_DAYS = int(os.environ.get("ALLEGRO_TRACKING_MAX_DAYS", "30"))
# Buyers' messages are fetched this often (seconds). A reply whose answer never came (a
# timeout, a 5xx) is looked for in its thread only after this long: it may still land.
ALLEGRO_MESSAGES_INTERVAL = int(os.environ.get("ALLEGRO_MESSAGES_INTERVAL", "60"))
ALLEGRO_MESSAGE_SETTLE_SECONDS = float(os.environ.get("ALLEGRO_MESSAGE_SETTLE_SECONDS", "20"))

# ERP: the defaults point at the offline simulator (`python -m erp_simulator`).
ERP_BACKEND = os.environ.get("ERP_BACKEND", "erp.backends.http.HttpErpBackend")
ERP_API_URL = os.environ.get("ERP_API_URL", "http://127.0.0.1:8766")
ERP_API_TOKEN = os.environ.get("ERP_API_TOKEN", "erp-simulator-token")
ERP_HTTP_TIMEOUT = float(os.environ.get("ERP_HTTP_TIMEOUT", "15"))
# How often the periodic sync runs (it does nothing unless switched on on the ERP page).
ERP_SYNC_INTERVAL = int(os.environ.get("ERP_SYNC_INTERVAL", "300"))
# A running sync untouched for this long lost its worker: the next start marks it failed.
ERP_SYNC_STALE_AFTER = int(os.environ.get("ERP_SYNC_STALE_AFTER", "900"))
# For this many days after its last invoice a finished order is asked about once a day, so a
# correction the ERP issues (goods returned, a price corrected) reaches the shop and Allegro.
ERP_CORRECTION_WATCH_DAYS = int(os.environ.get("ERP_CORRECTION_WATCH_DAYS", "90"))
