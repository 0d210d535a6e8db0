"""Test settings: production settings with fixed test keys, on top of the one
settings module. Only speed and isolation differ from production."""

import os

os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "test-secret-key-" + "x" * 50)
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
os.environ.setdefault("FIELD_ENCRYPTION_KEYS", "mSs1g0m7rUuGmWbm3g2FzpG4m3lFpbv7wCdgUytNw-k=")
os.environ.setdefault("BLIND_INDEX_KEY", "test-blind-index-key-not-for-production")
os.environ.setdefault("HTTPS", "false")
os.environ.setdefault("ALLOW_SQLITE", "true")
os.environ.setdefault("ALLOW_EAGER_TASKS", "true")
os.environ.setdefault("DEPOK_VAR_DIR", os.path.join(os.path.dirname(os.path.dirname(__file__)), "var", "test"))

from depok_cases.settings import *  # noqa: E402,F403
from depok_cases.settings import REDIS_URL  # noqa: E402

# Tasks run in the test process; the Celery worker test starts a real worker.
CELERY_TASK_ALWAYS_EAGER = True
# Counters (lockout) must not leak between tests: a fresh local cache.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
TEST_REDIS_URL = REDIS_URL
# Hashing speed only; the password hasher check is tested with production settings.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
# Static files straight from the source folders; no collectstatic for tests.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
