# articlebot: the Discord bot on a slim Python, as a non-root user.
#   docker build -t articlebot .
#   docker run -d --name articlebot -e DISCORD_TOKEN -v articlebot-data:/data articlebot
# From a mirror or an air-gapped registry (the same image under another name, and a
# package index without credentials in its URL; build arguments show in the image history):
#   docker build --build-arg BASE_IMAGE=registry.example/python:3.12.8-slim-bookworm \
#     --build-arg PIP_INDEX_URL=https://pypi.example/simple -t articlebot .
ARG BASE_IMAGE=python:3.12.8-slim-bookworm
FROM ${BASE_IMAGE}

ARG PIP_INDEX_URL=https://pypi.org/simple

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    ARTICLEBOT_CONFIG=/app/config/articlebot.toml \
    ARTICLEBOT_DB=/data/articlebot.sqlite3

WORKDIR /app

# A fixed uid/gid, so a bind-mounted /data can be chowned to it on the host. Not --system:
# 10001 is above the system range, and useradd warns about it.
RUN groupadd --gid 10001 articlebot \
    && useradd --uid 10001 --gid articlebot --home-dir /app \
        --no-create-home --shell /usr/sbin/nologin articlebot \
    && mkdir /data \
    && chown articlebot:articlebot /data

# The dependencies (and the build backend), read from pyproject.toml, in their own layer:
# rebuilt only when pyproject.toml changes, never for a code change.
COPY pyproject.toml ./
RUN python -c "import tomllib; p = tomllib.load(open('pyproject.toml', 'rb')); \
print('\n'.join(p['build-system']['requires'] + p['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install --no-cache-dir -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# Then the package alone, offline: the seeds ship inside it as bot/seeds (see setup.py).
# seeds/ also stays at /app/seeds, the corpus config/articlebot.toml names.
COPY README.md setup.py ./
COPY seeds ./seeds
COPY bot ./bot
RUN pip install --no-cache-dir --no-deps --no-build-isolation . \
    && rm -rf build ./*.egg-info

# Defaults a deployment may mount over: /app/config (read-only is fine) and the corpus.
COPY config ./config

USER 10001:10001
VOLUME ["/data"]

# SIGINT lets the bot close its gateway session and database cleanly on `docker stop`.
STOPSIGNAL SIGINT
CMD ["articlebot", "run"]
