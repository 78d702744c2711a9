"""The embedded default: SQLite, the file-system broker, console email, DEBUG on."""

import secrets

from config.environment import ConfigurationError

from .base import *  # noqa: F403
from .base import VAR_DIR, env

DEBUG = env.bool("DEBUG", default=True)

# Links in emails follow the port served: `make run PORT=8793` exports PORT, and SITE_URL
# for the worker and the scheduler too (honcho gives each process a PORT of its own).
try:
    PORT = env.int("PORT", default=8000)
except ValueError:
    raise ConfigurationError("PORT", "must be a port number, e.g. 8000.") from None
SITE_URL = env.str("SITE_URL", default="").rstrip("/") or f"http://127.0.0.1:{PORT}"
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if SITE_URL.startswith("https") else "http"


def _local_secret_key() -> str:
    """A development secret kept in an ignored file, so sessions survive restarts."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = env.str("SECRET_KEY", default="") or _local_secret_key()

# Static files straight from the app folders, without collectstatic, outside production.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
