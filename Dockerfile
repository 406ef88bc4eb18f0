# articlebot: the Discord bot on a slim Python, as a non-root user.
#   docker build -t articlebot .
#   docker run -d --name articlebot -e DISCORD_TOKEN -v articlebot-data:/data articlebot
FROM python:3.12.8-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    ARTICLEBOT_CONFIG=/app/config/articlebot.toml \
    ARTICLEBOT_DB=/data/articlebot.sqlite3

WORKDIR /app

# A fixed uid/gid, so a bind-mounted /data can be chowned to it on the host.
RUN groupadd --system --gid 10001 articlebot \
    && useradd --system --uid 10001 --gid articlebot --home-dir /app \
        --no-create-home --shell /usr/sbin/nologin articlebot \
    && mkdir /data \
    && chown articlebot:articlebot /data

# The package first: this layer is rebuilt only when the code changes.
COPY pyproject.toml README.md ./
COPY bot ./bot
RUN pip install --no-cache-dir . \
    && rm -rf build ./*.egg-info

# Defaults a deployment may mount over: /app/config (read-only is fine) and the corpus.
COPY config ./config
COPY seeds ./seeds

USER 10001:10001
VOLUME ["/data"]

# SIGINT lets the bot close its gateway session and database cleanly on `docker stop`.
STOPSIGNAL SIGINT
CMD ["articlebot", "run"]
