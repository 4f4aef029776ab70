"""Django settings, read from the environment (see config.py and docs/configuration.md).

Demo mode (RESULTSDAY_DEMO=1) is the only mode with conveniences: DEBUG on, a generated secret
kept under var/, and localhost allowed. Outside demo mode SECRET_KEY must be set.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from django.conf import global_settings
from django.core.exceptions import ImproperlyConfigured

from resultsday.config import database_from_url, env_bool, env_demo_clock, env_list, env_str

PACKAGE_DIR = Path(__file__).resolve().parent
BASE_DIR = PACKAGE_DIR.parent.parent
VAR_DIR = Path(env_str("RESULTSDAY_VAR_DIR", str(BASE_DIR / "var")))

DEMO = env_bool("RESULTSDAY_DEMO", default=False)
DEBUG = env_bool("DEBUG", default=DEMO)
# Demo only: run the whole platform as if it were this UK time (ticking on from it), to walk
# through a results day; see README "Walk through results day" and core/apps.py.
DEMO_CLOCK = env_demo_clock("RESULTSDAY_DEMO_CLOCK", demo=DEMO)


def _demo_secret() -> str:
    """A secret generated once per checkout and kept under var/, for demo mode only."""
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    path = VAR_DIR / "demo-secret-key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


if DEMO:
    SECRET_KEY = env_str("SECRET_KEY", default="") or _demo_secret()
else:
    try:
        SECRET_KEY = env_str("SECRET_KEY")
    except ImproperlyConfigured:
        raise ImproperlyConfigured(
            "Set the environment variable SECRET_KEY to a long random string "
            "(or set RESULTSDAY_DEMO=1 to run the demo)."
        ) from None
    if len(SECRET_KEY) < 32:
        raise ImproperlyConfigured("SECRET_KEY is too short: use at least 32 random characters.")

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"] if DEMO or DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", default=[])

DATABASES = {
    "default": database_from_url(
        env_str("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'resultsday.sqlite3'}")
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # WAL lets the demo's web server and task worker use the file at the same time.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = 60
    # A check of the kept connection before each request's first query costs every request a
    # round trip (on results day, a fifth of the database's work). Without it, after a
    # database restart each web process's next request on its old connection fails once and
    # the one after reconnects; set DATABASE_HEALTH_CHECKS=1 to trade the round trip for that.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = env_bool("DATABASE_HEALTH_CHECKS", default=False)
    if env_bool("DATABASE_PREPARED_STATEMENTS", default=True):
        # Each connection parses and plans a repeated query once rather than every time: on
        # results day the check of who is signed in costs PostgreSQL about a third of the CPU
        # (bench/results_day.py; docs/architecture.md, results-day read path). Needs
        # server-side parameter binding. Set DATABASE_PREPARED_STATEMENTS=0 behind a pooler in
        # transaction mode that does not carry prepared statements between connections
        # (PgBouncer before 1.21, or later ones with max_prepared_statements = 0:
        # docs/configuration.md).
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            server_side_binding=True, prepare_threshold=5
        )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.forms",
    "django_tasks",
    "django_tasks_db",
    "resultsday.accounts",
    "resultsday.catalogue",
    "resultsday.centres",
    "resultsday.learners",
    "resultsday.assessment",
    "resultsday.awarding",
    "resultsday.tracking",
    "resultsday.release",
    "resultsday.api",
    "resultsday.core",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "resultsday.core.middleware.RefuseNulMiddleware",
    "resultsday.core.middleware.AssetsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "resultsday.accounts.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "resultsday.urls"
WSGI_APPLICATION = "resultsday.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "resultsday.accounts.context_processors.navigation",
            ],
        },
    }
]
# Form fields render through GOV.UK Design System templates (templates/django/forms/).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

AUTH_USER_MODEL = "accounts.User"
# ModelBackend, loading the user and their memberships in one statement per request.
AUTHENTICATION_BACKENDS = ["resultsday.accounts.backends.UserBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"
ACCESS_CODE_HASHER_PATH = "resultsday.learners.hashers.AccessCodeHasher"
# Django's hashers (the first hashes new passwords), then the one for learners' access codes:
# random codes behind a lockout need no slow hash, and a class's codes are made in one request
# (learners/hashers.py).
PASSWORD_HASHERS = [*global_settings.PASSWORD_HASHERS, ACCESS_CODE_HASHER_PATH]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
# The GOV.UK Frontend package is fetched by `make` with npm into node_modules/ (ignored by git).
GOVUK_FRONTEND_DIST = BASE_DIR / "node_modules" / "govuk-frontend" / "dist"
GOVUK_FRONTEND_AVAILABLE = (GOVUK_FRONTEND_DIST / "govuk").is_dir()
if GOVUK_FRONTEND_AVAILABLE:
    STATICFILES_DIRS.append(GOVUK_FRONTEND_DIST)
# Serve straight from the finders: no collectstatic step for the demo or the benchmark.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = not DEBUG and env_bool("SECURE_COOKIES", default=True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

TASKS = {
    "default": {
        "BACKEND": env_str("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

REDIS_URL = env_str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "resultsday.core.cache.RedisCache", "LOCATION": REDIS_URL},
        # Learners' stored results on results day (release/cache.py), shared by every process.
        "results": {"BACKEND": "resultsday.core.cache.RedisCache", "LOCATION": REDIS_URL,
                    "KEY_PREFIX": "results"},
    }
    # Sessions read from Redis (written through to the database): no query to find who is
    # signed in on every request.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        # Never per-process memory: a change made in another process could not clear it.
        "results": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"},
    }

# Email (learners' invitations). The demo prints emails on the console instead of sending them.
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.console.EmailBackend" if DEMO
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", default="localhost")
EMAIL_PORT = int(env_str("EMAIL_PORT", default="25"))
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", default="resultsday <noreply@localhost>")
# A TrueType font for statements of results as PDF; by default the shipped DejaVu Sans
# (release/fonts), which prints names in Latin, Greek and Cyrillic scripts as written.
STATEMENT_FONT_FILE = env_str("RESULTSDAY_PDF_FONT", default="")

DATA_UPLOAD_MAX_MEMORY_SIZE = 60 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", default="WARNING")},
}
