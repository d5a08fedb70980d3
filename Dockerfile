# One image for every process of the stack: the API (gunicorn), the workers, the migrations.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    LOG_FORMAT=json \
    PROMETHEUS_MULTIPROC_DIR=/tmp/socialscalr-metrics \
    PORT=8000

WORKDIR /srv/socialscalr
RUN useradd --system --home-dir /srv/socialscalr --shell /usr/sbin/nologin socialscalr

# Dependencies first, so a code change does not reinstall them.
COPY pyproject.toml README.md ./
RUN mkdir -p app worker extension_bridge && touch app/__init__.py worker/__init__.py extension_bridge/__init__.py \
    && pip install -e . && rm -rf app worker extension_bridge

COPY app ./app
COPY worker ./worker
COPY extension_bridge ./extension_bridge
COPY migrations ./migrations
COPY wsgi.py gunicorn.conf.py ./
# Editable install: the code (and migrations/ beside it) is read from here. instance/ must be writable.
RUN pip install --no-deps -e . && mkdir -p instance && chown socialscalr instance

USER socialscalr
EXPOSE 8000 9101
# The API; the workers and the migrations run other commands of the same image (compose.yaml).
CMD ["gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"]
