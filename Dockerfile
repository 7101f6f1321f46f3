# A small image that runs the emulator on its seeded default, as a non-root user.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY pyproject.toml README.md ./
COPY emulator ./emulator
RUN pip install --no-cache-dir . \
    && useradd --system --uid 10001 --no-create-home emulator

USER 10001
EXPOSE 4010
# python instead of curl: the slim image has no curl. Follows EMULATOR_PORT when it is set.
HEALTHCHECK --interval=5s --timeout=3s --start-period=5s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/_emulator/health' % os.environ.get('EMULATOR_PORT', '4010'), timeout=2)"]
ENTRYPOINT ["metronome-emulator", "--host", "0.0.0.0"]
