"""Settings for the test suite: the real settings with a throwaway secret and fast hashing."""

import os
import secrets

os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))

from resultsday.settings import *  # noqa: F403

# The access codes' own hasher is already fast, and is kept so codes are hashed as in production.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", ACCESS_CODE_HASHER_PATH]  # noqa: F405
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    # Off by default so tests never share cached results; release/tests turn it on.
    "results": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"},
}
