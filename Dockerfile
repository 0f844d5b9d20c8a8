FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

WORKDIR /app

COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .

# Static files are collected at build time, with the production storage (DJANGO_DEBUG=0: compressed,
# content-hashed names and their manifest), and served by WhiteNoise.
# The key below exists only for this build step; the container requires a real SECRET_KEY.
RUN SECRET_KEY=collectstatic-build-only DJANGO_DEBUG=0 python manage.py collectstatic --noinput

RUN useradd --system --no-create-home app
USER app

EXPOSE 8000

ENV DJANGO_DEBUG=0

CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
