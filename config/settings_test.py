"""Settings for the test suite: the real settings with a test key and a fast hasher.

PostgreSQL and Redis are used when ``DATABASE_URL``/``REDIS_URL`` are set (CI sets them);
otherwise the embedded defaults. The channel-layer prefix gets a random suffix so parallel
runs sharing one Redis never see each other's messages.
"""

import os
import secrets

os.environ.setdefault("SECRET_KEY", "test-only-" + "k" * 64)
os.environ.setdefault("CHANNELS_PREFIX", f"flowercrm-test-{secrets.token_hex(4)}")

from config.settings import *  # noqa: E402,F403
from config.settings import CACHES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TELEGRAM_BACKEND = "locmem"
MEDIA_ROOT = os.environ.get("TEST_MEDIA_ROOT", "/tmp/flowercrm-test-media")  # noqa: S108
if "LOCATION" in CACHES["default"]:
    CACHES["default"]["KEY_PREFIX"] = os.environ["CHANNELS_PREFIX"]
