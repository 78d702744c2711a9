"""Reading the environment: which settings module, and failing start-up in one clear line."""

import os
import sys
import warnings

import environ

PRODUCTION = "production"


def settings_module() -> str:
    if os.environ.get("DJANGO_ENV") == PRODUCTION:
        return "config.settings.production"
    return "config.settings.development"


class ConfigurationError(SystemExit):
    """Stops start-up with one line naming the variable, instead of a traceback."""

    def __init__(self, variable: str, problem: str):
        sys.stderr.write(f"Configuration error: {variable} {problem}\n")
        super().__init__(1)


SUPPORTED_DATABASE_ENGINES = {
    "django.db.backends.postgresql",
    "django.db.backends.sqlite3",
}


def database_from_url(env: environ.Env, default: str) -> dict:
    url = env.str("DATABASE_URL", default=default)
    try:
        # django-environ warns (on stderr) about an unknown scheme before we can say so in
        # one line ourselves.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            config = environ.Env.db_url_config(url)
    except Exception as exc:
        raise ConfigurationError("DATABASE_URL", f"is not a valid database URL ({exc}).") from None
    if config.get("ENGINE") not in SUPPORTED_DATABASE_ENGINES or not config.get("NAME"):
        raise ConfigurationError(
            "DATABASE_URL",
            "must look like postgres://user:password@host:5432/name or sqlite:///path.",
        )
    return config


def redis_url(env: environ.Env) -> str:
    url = env.str("REDIS_URL", default="")
    if url and not url.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigurationError("REDIS_URL", "must start with redis://, rediss:// or unix://.")
    return url
