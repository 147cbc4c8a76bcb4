"""PetaKota settings. Everything that differs between deployments comes from the
environment (see .env.example); read top to bottom."""

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from gis_platform.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

# --- Core ---------------------------------------------------------------------
DEBUG = env_bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env_str("DJANGO_SECRET_KEY", "insecure-dev-only" if DEBUG else None)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "rest_framework",
    "rest_framework.authtoken",
    "rest_framework_gis",
    "leaflet",
    "procrastinate.contrib.django",
    # Row history (layers/history.py): triggers record every insert, update, delete.
    "pgtrigger",
    "pghistory",
    "tenancy",
    "workflow",
    "layers",
    "importers",
    "reports",
    "observations",
    "permits",
    "jobs",
    "facilities",
    "dashboard",
    "planner",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Content-Security-Policy with a per-request nonce (request.csp_nonce).
    "gis_platform.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Who changed what: the signed-in user and the URL go with every write's history.
    "pghistory.middleware.HistoryMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "gis_platform.urls"
WSGI_APPLICATION = "gis_platform.wsgi.application"

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
            ],
        },
    },
]

# --- Database: PostGIS only ---------------------------------------------------
_database_url = env_str("DATABASE_URL", "postgis://postgres@127.0.0.1:54329/petakota")
if not _database_url.startswith(("postgis://", "postgres://", "postgresql://")):
    raise ImproperlyConfigured("DATABASE_URL must be a postgis:// URL.")
DATABASES = {
    "default": dj_database_url.parse(
        _database_url,
        engine="django.contrib.gis.db.backends.postgis",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
# A parallel worker starts with cold PostGIS and PROJ caches, 10-20 ms before it reads
# a row; PostgreSQL's default setup cost (1000) assumes far less and sends 1k-row
# pages and nearest-N queries to workers, 4-20x slower than reading them in one
# process. Big scans (counts per area, 50k-feature pages) still go parallel.
PG_PARALLEL_SETUP_COST = env_int("DATABASE_PARALLEL_SETUP_COST", 10_000)
# JIT off in every session, so a managed database whose configuration we cannot
# change still never compiles: PostGIS's high cost estimates sent tile and page
# queries past jit_above_cost, and compiling took 250 ms of a 256 ms tile.
DATABASES["default"]["OPTIONS"] = {
    "connect_timeout": env_int("DATABASE_CONNECT_TIMEOUT_S", 5),
    "options": f"-c parallel_setup_cost={PG_PARALLEL_SETUP_COST} -c jit=off",
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth ---------------------------------------------------------------------
_VALIDATORS = "django.contrib.auth.password_validation"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"{_VALIDATORS}.UserAttributeSimilarityValidator"},
    {"NAME": f"{_VALIDATORS}.MinimumLengthValidator"},
    {"NAME": f"{_VALIDATORS}.CommonPasswordValidator"},
    {"NAME": f"{_VALIDATORS}.NumericPasswordValidator"},
]
# Staff sign-in; without ?next= each role lands on its home (gis_platform/navigation).
LOGIN_URL = "accounts:login"

# --- Languages and time -------------------------------------------------------
LANGUAGE_CODE = env_str("DJANGO_LANGUAGE_CODE", "id")
LANGUAGES = [("id", _("Bahasa Indonesia")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = env_str("DJANGO_TIME_ZONE", "Asia/Jakarta")
USE_TZ = True

# --- Static files -------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            # Hashed, compressed names for production; tests and DEBUG serve the
            # source files directly (the test server finds files by their own names).
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("DJANGO_STATIC_MANIFEST", default=not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
MEDIA_ROOT = Path(env_str("DJANGO_MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
MEDIA_URL = "media/"

# --- Security (production values unless DEBUG) --------------------------------
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=False)
# Only behind a reverse proxy that terminates TLS and sets X-Forwarded-Proto itself
# (overwriting what the client sent): otherwise any client could claim HTTPS.
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https")
    if env_bool("DJANGO_TRUST_X_FORWARDED_PROTO", default=False)
    else None
)
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# --- Logging ------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # One line per event, key=value (gis_platform/log.py), for every app's logger.
    "formatters": {"kv": {"()": "gis_platform.log.KeyValueFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "kv"}},
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "INFO")},
    # procrastinate logs "Adding tasks from blueprint" at INFO on every start-up,
    # which would clutter each management command's output.
    "loggers": {
        "procrastinate": {"level": env_str("PROCRASTINATE_LOG_LEVEL", "WARNING")}
    },
}

# --- GIS ----------------------------------------------------------------------
# GDAL < 3.9 cannot sandbox SRS strings (gis.W001). Users may only give integer EPSG
# codes, which never touch files or the network, so the warning does not apply.
SILENCED_SYSTEM_CHECKS = ["gis.W001"]

# The city's own boundaries are the basemap; an online XYZ basemap is optional.
BASEMAP_URL = env_str("PETAKOTA_BASEMAP_URL", "")
BASEMAP_ATTRIBUTION = env_str("PETAKOTA_BASEMAP_ATTRIBUTION", "")
# A self-hosted basemap: an MBTiles or PMTiles (v3) file of the city, raster (png, jpg,
# webp) or vector (pbf), served by the platform at /basemap/{z}/{x}/{y}.{ext}. It wins
# over PETAKOTA_BASEMAP_URL (it works without internet).
BASEMAP_ARCHIVE = env_str("PETAKOTA_BASEMAP_ARCHIVE", "")
if BASEMAP_ARCHIVE and not BASEMAP_ARCHIVE.lower().endswith((".mbtiles", ".pmtiles")):
    raise ImproperlyConfigured(
        "PETAKOTA_BASEMAP_ARCHIVE must name a .mbtiles or .pmtiles file."
    )
BASEMAP_MAX_AGE_S = env_int("PETAKOTA_BASEMAP_MAX_AGE_S", 86_400)
LEAFLET_CONFIG = {
    "TILES": [],
    "MAX_ZOOM": 19,
    "MIN_ZOOM": 3,
    "DEFAULT_CENTER": (-6.18, 106.63),
    "DEFAULT_ZOOM": 12,
    "RESET_VIEW": False,
    "NO_GLOBALS": False,
    # Every {% leaflet_js %} also loads the map settings (basemap, marker icons by
    # their hashed names) and basemap.js, which applies them to every L.map; the
    # admin's map widgets load them as their "forms" plugin.
    "PLUGINS": {
        "petakota": {
            "js": ["/basemap/config.js", "js/basemap.js"],
            "auto-include": True,
        },
        "forms": {"js": ["/basemap/config.js", "js/basemap.js"]},
    },
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # Errors in the JSON API's one body: {"detail": ..., "errors": {field: message}}.
    "EXCEPTION_HANDLER": "gis_platform.http.api_exception_handler",
}

# Serving engine limits.
PETAKOTA_MAX_PAGE_SIZE = env_int("PETAKOTA_MAX_PAGE_SIZE", 10000)
PETAKOTA_DEFAULT_PAGE_SIZE = env_int("PETAKOTA_DEFAULT_PAGE_SIZE", 1000)

# --- Reports (reports/) ---------------------------------------------------------
# Anonymous submissions per client IP (django-ratelimit syntax, e.g. "20/h").
PETAKOTA_REPORT_RATE = env_str("PETAKOTA_REPORT_RATE", "20/h")
# "Me too" supports counted per client IP and report (one device supports once;
# a few more allow for people sharing an address).
PETAKOTA_SUPPORT_RATE = env_str("PETAKOTA_SUPPORT_RATE", "5/d")
# Failed console sign-ins per user name and client IP before a pause (rate: n/period).
PETAKOTA_LOGIN_RATE = env_str("PETAKOTA_LOGIN_RATE", "5/15m")
# Above this GPS accuracy (metres) the submission page warns the reporter.
PETAKOTA_REPORT_ACCURACY_WARN_M = env_int("PETAKOTA_REPORT_ACCURACY_WARN_M", 50)
PETAKOTA_REPORT_MAX_PHOTO_BYTES = env_int("PETAKOTA_REPORT_MAX_PHOTO_BYTES", 8_000_000)
# Field capture (layers/capture/): the worst GPS accuracy (metres) the page accepts
# as a position; a worse fix is refused unless the officer drags the pin.
PETAKOTA_CAPTURE_MAX_ACCURACY_M = env_int("PETAKOTA_CAPTURE_MAX_ACCURACY_M", 30)
# django-ratelimit counts in the default cache, which every gunicorn worker must share:
# a table in PostgreSQL (`manage.py createcachetable`, run by scripts/run.sh; the test
# runner creates it), so no extra server. Also holds the engine's extents (stats.py).
CACHES = {
    "default": {
        # Django's database cache, incr() made atomic (gis_platform/cache.py).
        "BACKEND": "gis_platform.cache.AtomicDatabaseCache",
        "LOCATION": "petakota_cache",
        # One row per client IP and window: cull late, not at Django's default 300.
        "OPTIONS": {"MAX_ENTRIES": 100_000},
    }
}
# django-ratelimit only knows its listed backends: E003 warns that a database cache's
# incr() is not atomic, which AtomicDatabaseCache fixes (a row lock; tested with
# concurrent increments), and W001 that only memcached/redis are supported officially.
SILENCED_SYSTEM_CHECKS += ["django_ratelimit.E003", "django_ratelimit.W001"]
# Behind a reverse proxy every request comes from the proxy's address: name the header
# the proxy sets to the client's address (e.g. HTTP_X_REAL_IP), or the whole city shares
# one limit. Unset: the connecting address (REMOTE_ADDR).
RATELIMIT_IP_META_KEY = env_str("PETAKOTA_CLIENT_IP_HEADER", "") or None

# --- Imports (importers/) ------------------------------------------------------
# Largest upload accepted, and the limits that refuse absurd or hostile files.
PETAKOTA_IMPORT_MAX_UPLOAD_MB = env_int("PETAKOTA_IMPORT_MAX_UPLOAD_MB", 512)
PETAKOTA_IMPORT_MAX_UNZIPPED_MB = env_int("PETAKOTA_IMPORT_MAX_UNZIPPED_MB", 4096)
PETAKOTA_IMPORT_MAX_FEATURES = env_int("PETAKOTA_IMPORT_MAX_FEATURES", 10_000_000)
PETAKOTA_IMPORT_MAX_VERTICES = env_int("PETAKOTA_IMPORT_MAX_VERTICES", 1_000_000)
# Imports replacing a whole layer with at least this many features give the layer a
# partition of its own, indexed after the load (much faster than row by row).
PETAKOTA_IMPORT_PARTITION_ROWS = env_int("PETAKOTA_IMPORT_PARTITION_ROWS", 20_000)
# Imports writing at least this many features are kept in the history as one event
# (layer, job, counts, who) instead of one per feature (layers/history.py).
PETAKOTA_HISTORY_BULK_ROWS = env_int("PETAKOTA_HISTORY_BULK_ROWS", 10_000)
# pghistory's middleware records context (user, URL) for writes only.
PGHISTORY_MIDDLEWARE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
# Finished import jobs (with their upload and rejected-rows CSV) are deleted after this
# many days, uploads previewed but never confirmed after this many hours (a daily task
# of the worker, or `manage.py purge_imports`).
PETAKOTA_IMPORT_RETENTION_DAYS = env_int("PETAKOTA_IMPORT_RETENTION_DAYS", 30)
PETAKOTA_IMPORT_PREVIEW_HOURS = env_int("PETAKOTA_IMPORT_PREVIEW_HOURS", 24)
# An import whose worker sent no heartbeat for this many seconds (killed, machine
# gone) is marked failed by the worker's recovery (every minute, and
# `manage.py recover_imports`). Above procrastinate's 10 s heartbeat interval.
PETAKOTA_IMPORT_STALLED_S = env_int("PETAKOTA_IMPORT_STALLED_S", 60)

# --- E-mail ---------------------------------------------------------------------
# Invitations (the people page's set-password links) are e-mailed when an SMTP server
# is named here; unset, the page shows the one-time link to the city admin instead.
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "PetaKota <noreply@localhost>")

# --- Reporter notifications (reports/notifications/) -----------------------------
# The address links in messages start with (https://peta.example.go.id). Unset: the
# address the person used when they subscribed.
PETAKOTA_PUBLIC_URL = env_str("PETAKOTA_PUBLIC_URL", "")
# SMS / WhatsApp: an HTTP gateway taking one JSON message per POST (see
# reports/notifications/channels.py). Unset: phone numbers get no messages.
PETAKOTA_NOTIFY_WEBHOOK_URL = env_str("PETAKOTA_NOTIFY_WEBHOOK_URL", "")
PETAKOTA_NOTIFY_WEBHOOK_TOKEN = env_str("PETAKOTA_NOTIFY_WEBHOOK_TOKEN", "")
# What the gateway delivers to phone numbers: "sms" or "whatsapp".
PETAKOTA_NOTIFY_PHONE_CHANNEL = env_str("PETAKOTA_NOTIFY_PHONE_CHANNEL", "sms")
PETAKOTA_NOTIFY_TIMEOUT_S = env_int("PETAKOTA_NOTIFY_TIMEOUT_S", 10)
# Tries before a message is given up (waits 1, 2, 5, 15, 30, 60, 120, 240 min).
PETAKOTA_NOTIFY_MAX_ATTEMPTS = env_int("PETAKOTA_NOTIFY_MAX_ATTEMPTS", 8)
# The right-hand side of Message-IDs (a resend keeps the same id).
PETAKOTA_NOTIFY_MESSAGE_DOMAIN = env_str(
    "PETAKOTA_NOTIFY_MESSAGE_DOMAIN", "petakota.local"
)
# "My reports" sign-in links expire after this many hours; a reporter may confirm or
# reopen a resolved report for this many days; requests for links per client IP.
PETAKOTA_MY_REPORTS_LINK_HOURS = env_int("PETAKOTA_MY_REPORTS_LINK_HOURS", 24)
PETAKOTA_VERDICT_DAYS = env_int("PETAKOTA_VERDICT_DAYS", 14)
PETAKOTA_MY_REPORTS_RATE = env_str("PETAKOTA_MY_REPORTS_RATE", "5/h")

# --- Facilities (facilities/) ----------------------------------------------------
# Bed counts older than this many hours are shown as stale on the help page and in
# the API ("stale": true).
PETAKOTA_FACILITY_BEDS_STALE_H = env_int("PETAKOTA_FACILITY_BEDS_STALE_H", 12)

# --- Observations (observations/) -------------------------------------------------
# Week-on-week price rise (%) that raises a price alert, unless the observed property
# sets its own (alert_change_pct in observed_properties.yaml).
OBSERVATIONS_PRICE_ALERT_PCT = env_int("OBSERVATIONS_PRICE_ALERT_PCT", 10)
# Quality flags: the same value this many readings running is "stuck"; a reading
# further than SPIKE_FACTOR x max(|mean of the previous 5|, SPIKE_FLOOR) from that
# mean is a "spike". Flagged readings are kept, left out of aggregates and ISPU.
OBSERVATIONS_STUCK_READINGS = env_int("OBSERVATIONS_STUCK_READINGS", 6)
OBSERVATIONS_SPIKE_FACTOR = env_int("OBSERVATIONS_SPIKE_FACTOR", 4)
OBSERVATIONS_SPIKE_FLOOR = env_int("OBSERVATIONS_SPIKE_FLOOR", 5)
# Largest CSV upload (MB), largest push batch, errors listed per refused batch.
OBSERVATIONS_IMPORT_MAX_MB = env_int("OBSERVATIONS_IMPORT_MAX_MB", 200)
OBSERVATIONS_PUSH_MAX = env_int("OBSERVATIONS_PUSH_MAX", 5000)
OBSERVATIONS_MAX_ERRORS = env_int("OBSERVATIONS_MAX_ERRORS", 1000)

# --- Planner (planner/) ----------------------------------------------------------
# Hexagon bins, hot spots and coverage gaps refuse a cell size giving more cells.
PETAKOTA_PLANNER_MAX_HEX_CELLS = env_int("PETAKOTA_PLANNER_MAX_HEX_CELLS", 50_000)
# Analysis results (temporary layers) expire after this many hours unless a saved map
# shows them; `manage.py purge_analysis_results` deletes expired ones.
PETAKOTA_PLANNER_RESULT_TTL_H = env_int("PETAKOTA_PLANNER_RESULT_TTL_H", 24)
