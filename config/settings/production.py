"""DJANGO_ENV=production: secrets required, HTTPS everywhere, staff need MFA."""

from config.environment import ConfigurationError

from .base import *  # noqa: F403
from .base import env

SECRET_KEY = env.str("SECRET_KEY", default="")
if len(SECRET_KEY) < 50:
    raise ConfigurationError("SECRET_KEY", "must be set to a random string of 50+ characters.")
if not env.list("ALLOWED_HOSTS", default=[]):
    raise ConfigurationError("ALLOWED_HOSTS", "must list the host names the portal answers on.")
# The public address behind the TLS proxy; without SITE_URL, https on the first host name.
SITE_URL = env.str("SITE_URL", default="").rstrip("/") or (
    f"https://{env.list('ALLOWED_HOSTS')[0].lstrip('.')}"
)
if not SITE_URL.startswith(("https://", "http://")) or "*" in SITE_URL:
    raise ConfigurationError("SITE_URL", "must start with https:// (or http://).")
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if SITE_URL.startswith("https") else "http"

DEBUG = False
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
}
ADMIN_REQUIRES_MFA = True
