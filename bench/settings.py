"""The production settings with one more URL for the benchmark: nothing else differs.

gunicorn is started with DJANGO_SETTINGS_MODULE=bench.settings so that the bare view is served
by the same process, middleware and configuration as every page it is compared with.
"""

from tierslieux.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
