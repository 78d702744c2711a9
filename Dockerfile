# The portal's image: web (gunicorn), worker and beat all run from it.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_ENV=production

WORKDIR /app

COPY requirements.lock ./
RUN python -m pip install --require-hashes --no-deps -r requirements.lock

COPY . .
RUN pybabel compile --domain django --directory locale \
    && pybabel compile --domain django --directory accounts/allauth_locale \
    && useradd --system --uid 1000 --home-dir /app portal \
    && mkdir -p /app/var /app/staticfiles /data/private \
    && chown -R portal /app/var /app/staticfiles /data

USER portal
EXPOSE 8000
CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3"]
