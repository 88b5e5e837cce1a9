# syntax=docker/dockerfile:1
# FlowerCRM production image: gunicorn with uvicorn workers serving the Channels ASGI app
# (HTTP and /ws). Build: docker build -t flowercrm .

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
RUN python -m venv /venv
COPY pyproject.toml README.md ./
COPY config ./config
COPY flowercrm ./flowercrm
COPY apps ./apps
RUN /venv/bin/pip install .

FROM python:3.11-slim AS runtime
ENV PATH=/venv/bin:$PATH PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=config.settings
RUN useradd --system --create-home --uid 10001 flowercrm
WORKDIR /app
COPY --from=build /venv /venv
COPY --chown=flowercrm:flowercrm . /app
# collectstatic needs settings but no secrets of the deployment.
RUN SECRET_KEY=collectstatic-only-$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n') DEBUG=1 \
    python manage.py collectstatic --noinput --verbosity 0 && mkdir -p /app/media && chown flowercrm /app/media
USER flowercrm
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4).status == 200 else 1)"
CMD ["gunicorn", "-c", "gunicorn.conf.py", "config.asgi:application"]
