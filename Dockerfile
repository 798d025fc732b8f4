FROM python:3.13-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

# WeasyPrint (the statements in PDF, periods/statement.py) draws text with Pango; DejaVu has
# every accented letter and the € sign.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*

COPY pyproject.toml ./
RUN pip install "pip>=25.1" && pip install --group prod

COPY . .
RUN useradd --system --uid 1000 app && chown -R app /app
USER app

# gunicorn.conf.py binds to 127.0.0.1 unless told otherwise: in the container, every interface.
ENV GUNICORN_BIND=0.0.0.0:8000
EXPOSE 8000
# Asks as the public host: Django answers 400 to a host name it does not serve (127.0.0.1).
HEALTHCHECK --interval=10s --timeout=3s --retries=5 \
  CMD python -c "import os, urllib.request as r; host = os.environ.get('DJANGO_ALLOWED_HOSTS', '').split(',')[0].strip().lstrip('*.') or 'localhost'; r.urlopen(r.Request('http://127.0.0.1:8000/healthz', headers={'Host': host}), timeout=2)"
CMD ["sh", "-c", "python manage.py migrate --no-input && python manage.py collectstatic --no-input -v0 && exec gunicorn -c gunicorn.conf.py"]
