# syntax=docker/dockerfile:1
# Ordertalk's images (docs/deploy.md). Targets:
#   app    (the default, last stage) the web process and, with another command, the worker
#          and one-off commands (`flask --app app db upgrade`); runs as an unprivileged user
#   nginx  nginx with deploy/nginx/ and the static files, in front of the web processes
# The commands are the Makefile's (`make install`, `make assets`, `make run`), which
# tests/test_deploy.py checks.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# -- browser assets: exactly the versions in package-lock.json, copied into static/vendor --
FROM node:20-bookworm-slim AS assets
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY scripts/vendor-assets.sh scripts/vendor-assets.sh
COPY static static
RUN bash scripts/vendor-assets.sh

# -- Python: a virtualenv with the app installed (editable, as `make install`) ------------
FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN python -m venv /opt/venv
WORKDIR /app
COPY pyproject.toml README.md app.py ./
COPY wholesale wholesale
COPY messaging messaging
RUN /opt/venv/bin/pip install -e .

# -- nginx: the shared server config and the static files ---------------------------------
FROM nginx:1.27-alpine AS nginx
COPY deploy/nginx/compose.conf /etc/nginx/conf.d/default.conf
COPY deploy/nginx/ordertalk.conf /etc/nginx/ordertalk/ordertalk.conf
COPY --from=assets /app/static /srv/ordertalk/static

# -- the app -------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS app
RUN groupadd --system --gid 10001 ordertalk \
    && useradd --system --uid 10001 --gid ordertalk --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin ordertalk
WORKDIR /app
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
COPY gunicorn.conf.py ./
COPY templates templates
COPY migrations migrations
COPY --from=assets /app/static static
# instance/ holds the per-install secrets and the uploads: mount one volume there, shared by
# every web process and worker (docs/deploy.md). Only it is writable by the app's user.
RUN mkdir -p instance && chown ordertalk:ordertalk instance
USER ordertalk
ENV PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1 PORT=8000 TRUSTED_PROXIES=1
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request as u; u.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"]
# As `make run`, without the in-process dispatcher (the worker service runs it); keep-alive
# above nginx's upstream keepalive_timeout (50 s); one control socket per container is fine
# but nobody uses it.
CMD ["gunicorn", "--worker-class", "gthread", "--workers", "1", "--threads", "100", \
     "--bind", "0.0.0.0:8000", "--graceful-timeout", "5", "--keep-alive", "75", \
     "--access-logfile", "-", "--no-control-socket", "app:create_app()"]
