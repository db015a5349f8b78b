"""Settings of the benchmark server: Parley's, plus a bare baseline view to compare against."""

from typing import Any

from config.settings import *  # noqa: F403
from config.settings import LOGGING

ROOT_URLCONF = "bench.urls"
DEBUG = False
ALLOWED_HOSTS = ["*"]
_root: Any = LOGGING["root"]
_root["level"] = "WARNING"
