"""Settings of the benchmark server: Parley's, plus a bare baseline view to compare against."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
DEBUG = False
ALLOWED_HOSTS = ["*"]
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
