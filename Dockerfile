# The Transformer Loss Playground as one container: Streamlit on 0.0.0.0:8501, hosted-mode limits
# on, the run store on a volume, a non-root user. docs/HOSTING.md has the commands.
#
# Build arguments:
#   BASE             the base image (default python:3.11-slim). A base without Python, e.g. a bare
#                    Debian bookworm, gets Debian's python3 (3.11) from apt.
#   TORCH_INDEX_URL  where torch and torchvision come from. Default: PyTorch's CPU-only index
#                    (small image, no CUDA libraries). Empty (--build-arg TORCH_INDEX_URL=) takes
#                    PyPI's default Linux wheels, which are the CUDA build, several GB; so does a
#                    CUDA index such as https://download.pytorch.org/whl/cu130.
#   WHEELS_ONLY      1 = offline: install exactly the wheels in the build context's wheels/
#                    folder, no index, no dependency resolution (the folder is a complete,
#                    resolved set, as scripts/container_test.sh makes); the build then checks that
#                    every pin of requirements.txt is there and that the app imports. Without it,
#                    wheels found in wheels/ are preferred and the rest comes from the indexes;
#                    a missing wheels/ folder is fine.
#   APP_UID          the uid (and gid) of the user that runs the app (default 10001).
#
# Build with BuildKit (any recent Docker) or podman/buildah; `--format docker` with podman keeps
# the HEALTHCHECK (the OCI image format has no field for it).

ARG BASE=python:3.11-slim

# ---- runtime: the base plus a Python 3.11 that can make a venv ------------------------------------
FROM ${BASE} AS runtime
RUN if ! command -v python3 >/dev/null 2>&1 || ! python3 -c "import ensurepip, venv" >/dev/null 2>&1; then \
        apt-get update \
        && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 python3-venv \
        && rm -rf /var/lib/apt/lists/*; \
    fi \
    && python3 -c "import sys; assert sys.version_info >= (3, 11), sys.version"

# ---- builder: every Python dependency in /opt/venv; wheels and caches stay in this stage ----------
FROM runtime AS builder
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
ARG WHEELS_ONLY=0
# wheel[s] copies the folder's contents when it exists and matches nothing when it does not
# (a wildcard at the top of the context: BuildKit, the classic builder and buildah all accept it,
# as requirements.txt always matches)
COPY requirements.txt wheel[s] /build/
RUN set -eu; \
    python3 -m venv /opt/venv; \
    pip="/opt/venv/bin/python -m pip install --no-cache-dir --disable-pip-version-check --no-input"; \
    if [ "$WHEELS_ONLY" = 1 ]; then \
        $pip --no-index --no-deps /build/*.whl; \
        $pip --no-index --no-deps --find-links /build -r /build/requirements.txt; \
    else \
        grep -E '^(torch|torchvision)==' /build/requirements.txt > /build/torch.txt; \
        $pip --find-links /build ${TORCH_INDEX_URL:+--index-url "$TORCH_INDEX_URL"} -r /build/torch.txt; \
        $pip --find-links /build -r /build/requirements.txt; \
    fi; \
    /opt/venv/bin/python -c "import torch, streamlit; print('torch', torch.__version__, '| streamlit', streamlit.__version__)"

# ---- the image -------------------------------------------------------------------------------------
FROM runtime
ARG APP_UID=10001
RUN groupadd --system --gid "${APP_UID}" app \
    && useradd --system --uid "${APP_UID}" --gid app --home-dir /home/app --create-home \
               --shell /usr/sbin/nologin app \
    && mkdir -p /data/datasets && chown -R app:app /data

COPY --from=builder /opt/venv /opt/venv

# The app, owned by root and read-only to the app user. Keep this list in step with .dockerignore.
WORKDIR /app
COPY app.py requirements.txt pyproject.toml ./
COPY .streamlit/ ./.streamlit/
COPY playground/ ./playground/
COPY views/ ./views/
COPY ui/ ./ui/

# PLAYGROUND_*: hosted-mode limits (playground/runs.py, Limits.hosted); the store and the MNIST
# files (non-hosted mode only) on the volume.
# OMP/MKL: each run sets its own torch threads (1 by default); anything else torch does stays on one.
# STREAMLIT_*: where to listen, and what visitors see; the rest is in .streamlit/config.toml.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HOME=/home/app \
    PLAYGROUND_HOSTED=1 \
    PLAYGROUND_STORE=/data/runs.sqlite3 \
    PLAYGROUND_DATA_DIR=/data/datasets \
    OMP_NUM_THREADS=1 \
    MKL_NUM_THREADS=1 \
    STREAMLIT_SERVER_ADDRESS=0.0.0.0 \
    STREAMLIT_SERVER_PORT=8501 \
    STREAMLIT_CLIENT_SHOW_ERROR_DETAILS=type \
    STREAMLIT_CLIENT_TOOLBAR_MODE=viewer

# byte-compile the app once (the user cannot write /app), then check that it imports
RUN python -m compileall -q /app \
    && python -c "import playground.runs, playground.store, playground.experiment, ui.state, ui.controls, ui.panels"

USER app
VOLUME /data
EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD python -c "import os, urllib.request as u; u.urlopen('http://127.0.0.1:%s/_stcore/health' % os.environ.get('STREAMLIT_SERVER_PORT', '8501'), timeout=4)" || exit 1
CMD ["streamlit", "run", "app.py"]
