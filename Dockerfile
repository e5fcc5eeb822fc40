# syntax=docker/dockerfile:1
# The project's image: the Dagster code location (gRPC code server, whose subprocesses are the runs), the webserver
# and daemon, and the `hybrid` CLI.
# Built by docker-compose.yml (docs/deployment.md); installs the project the way `make install` does.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HYBRID_HOME=/app \
    HYBRID_STATE_DIR=/var/lib/hybrid \
    DAGSTER_HOME=/opt/dagster/dagster_home \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH

# Debian packages beyond wheels, through the script and list `make install` uses (the `runtime` set:
# tesseract-ocr, the OCR fallback engine).
COPY scripts/system-packages.sh scripts/system-packages.txt /opt/hybrid-setup/
RUN apt-get update \
    && /opt/hybrid-setup/system-packages.sh --require $(/opt/hybrid-setup/system-packages.sh --list runtime) \
    && rm -rf /var/lib/apt/lists/*

# A virtual environment and an editable install, as `make install` builds .venv (without the test extras).
# Dependencies first, against a placeholder package, so that a source change does not reinstall them.
WORKDIR /app
COPY pyproject.toml README.md ./
RUN python -m venv /opt/venv \
    && python -m pip install --quiet --upgrade pip \
    && mkdir dagster_project && touch dagster_project/__init__.py \
    && python -m pip install --progress-bar off -e .
COPY . .
# The dbt manifest is parsed once here, as `make install` does; loading the code location only reads it.
RUN dagster-dbt project prepare-and-package --file dagster_project/dbt/project.py

# The image has no .git: the commit it is built from is recorded with each apply, and production takes applies
# only from its deploy branch (`docker compose build --build-arg HYBRID_GIT_COMMIT=$(git rev-parse HEAD)
# --build-arg HYBRID_GIT_BRANCH=main`, from a clean checkout).
ARG HYBRID_GIT_COMMIT=""
ARG HYBRID_GIT_BRANCH=""
ENV HYBRID_GIT_COMMIT=$HYBRID_GIT_COMMIT HYBRID_GIT_BRANCH=$HYBRID_GIT_BRANCH

# Runs keep dbt's run directories and partial-parse cache in a volume (set after the prepare step, which writes
# the manifest into the image).
ENV DBT_TARGET_PATH=/var/lib/hybrid/dbt

COPY deploy/dagster/dagster.yaml /opt/dagster/dagster_home/dagster.yaml
COPY docker/dagster/workspace.yaml /opt/dagster/workspace.yaml
RUN useradd --system --uid 10001 --user-group --create-home --home-dir /home/hybrid --shell /usr/sbin/nologin hybrid \
    && mkdir -p /opt/dagster/storage /var/lib/hybrid/dbt /var/lib/hybrid/ocr \
    && chown -R hybrid:hybrid /opt/dagster /var/lib/hybrid /app/dbt
USER hybrid

EXPOSE 4000
CMD ["dagster", "code-server", "start", "-h", "0.0.0.0", "-p", "4000", "-m", "dagster_project.definitions", \
     "--location-name", "hybrid"]
