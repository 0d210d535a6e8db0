# The image for web, worker and beat (docker-compose.yml).
FROM python:3.13-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DEPOK_VAR_DIR=/var/lib/depok-cases \
    STATIC_ROOT=/app/staticfiles

RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home-dir /app --shell /usr/sbin/nologin depok

WORKDIR /app
COPY requirements/ requirements/
RUN pip install -r requirements/base.txt

COPY . .

# Build-time only values: collectstatic and compilemessages read no secrets.
RUN DEBUG=true DEPOK_VAR_DIR=/tmp/build python manage.py compilemessages -v 0 \
    && DEBUG=false SECRET_KEY=build-only-not-a-secret-build-only-not-a-secret-0000 \
       ALLOWED_HOSTS=build DATABASE_URL=postgresql://build@localhost/build REDIS_URL=redis://localhost:6379/0 \
       FIELD_ENCRYPTION_KEYS=mSs1g0m7rUuGmWbm3g2FzpG4m3lFpbv7wCdgUytNw-k= BLIND_INDEX_KEY=build-only \
       python manage.py collectstatic --noinput -v 0 \
    && rm -rf /tmp/build \
    && mkdir -p /var/lib/depok-cases/private && chown -R depok /var/lib/depok-cases

USER depok
EXPOSE 8000
CMD ["gunicorn", "depok_cases.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
