#!/usr/bin/env bash
# Build the image, run it, and check it serves: health endpoint, Docker HEALTHCHECK, the page in a
# real browser, a short run started from a link and recorded in the store on the volume, the store
# surviving a restart, the non-root user. Prints what it measured. Too slow for every CI run
# (minutes; a first build here copies about 3 GB of wheels): run it by hand, or nightly.
#
#   scripts/container_test.sh              # build (cached after the first time), run, check, clean up
#   KEEP=1 scripts/container_test.sh       # leave the container running afterwards
#   CLEAN=1 scripts/container_test.sh      # and then delete TEST_DIR: images, build cache, wheels
#
# Settings (environment):
#   ENGINE        podman (the default, and the only engine tried here; `image exists` and
#                 `healthcheck run` are podman commands)
#   TEST_DIR      work folder: podman storage, base image rootfs, wheels, build context
#                 (default /var/tmp/tlp-container-test; reused between runs, delete it to start over)
#   BASE          the base image. Default here: "localdebian", a Debian bookworm image made with
#                 debootstrap when missing (no registry can be reached on the project's machines).
#                 Set BASE=python:3.11-slim where a registry can be reached.
#   TORCH_SOURCE  local (default): a wheel set made on this machine with `pip download` (its pip
#                 sources: torch from the local disk here, the rest from PyPI), put in the build
#                 context and installed with WHEELS_ONLY=1, so the build itself is offline.
#                 index: the Dockerfile's defaults (PyTorch's CPU index, then PyPI), from inside
#                 the build -- needs network to both.
#   IMAGE         the tag to build (default tlp-playground:test)
#
# The local wheel set: requirements.txt resolved by `pip download` (torch 2.14.1 from PyPI is the
# CUDA build, ~3 GB with its nvidia-* wheels). Importing that torch on a CPU needs the CUDA
# libraries its .so files link against (`ldd torch/lib/*.so`: cudnn, cublas, cupti, nccl, ...),
# but not triton, nvtx or the cuda-* Python packages, so those are left out (PRUNE); the build's
# import check proves the rest is enough. The image is still ~5.8 GB (3.2 GB of it nvidia-*
# libraries); the default build, from PyTorch's CPU index, has none (docs/HOSTING.md: sizes).
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
ENGINE=${ENGINE:-podman}
TEST_DIR=${TEST_DIR:-/var/tmp/tlp-container-test}
BASE=${BASE:-localdebian}
TORCH_SOURCE=${TORCH_SOURCE:-local}
IMAGE=${IMAGE:-tlp-playground:test}
NAME=tlp-container-test-$$
VOLUME=$NAME-data
PRUNE='^(triton|cuda_bindings|cuda_pathfinder|cuda_toolkit|nvidia_nvtx)-'
HEALTH_TIMEOUT_S=180
RUN_TIMEOUT_S=180
NICE="nice -n 10"

mkdir -p "$TEST_DIR"
log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
now() { date +%s.%N; }
since() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$1" "$(now)"; }
declare -A FIG   # the figures, printed at the end
ORDER=()
fig() { FIG[$1]=$2; ORDER+=("$1"); log "$1: $2"; }

# ---- podman settings this sandbox needs (../shared/CONTAINERS.md) -------------------------------
if [ "$ENGINE" = podman ] && [ -z "${CONTAINERS_CONF:-}" ]; then
    cat > "$TEST_DIR/containers.conf" <<'EOF'
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
runtime = "runc"
EOF
    cat > "$TEST_DIR/storage.conf" <<EOF
[storage]
driver = "overlay"
graphroot = "$TEST_DIR/storage"
runroot = "$TEST_DIR/run"
EOF
    export CONTAINERS_CONF=$TEST_DIR/containers.conf CONTAINERS_STORAGE_CONF=$TEST_DIR/storage.conf
fi
command -v "$ENGINE" >/dev/null || { echo "$ENGINE not found (apt-get install -y podman runc debootstrap)" >&2; exit 2; }
BUILD_FORMAT=(); [ "$ENGINE" = podman ] && BUILD_FORMAT=(--format docker)  # keeps HEALTHCHECK

cleanup() {
    local rc=$?
    if [ $rc -ne 0 ] && $ENGINE container exists "$NAME" 2>/dev/null; then
        log "failed (exit $rc); the container's last log lines:"
        $ENGINE logs --tail 40 "$NAME" >&2 || true
    fi
    if [ "${KEEP:-0}" = 1 ] && [ $rc -eq 0 ]; then
        log "KEEP=1: container $NAME left running on http://127.0.0.1:$PORT (volume $VOLUME)"
    else
        $ENGINE rm -f "$NAME" >/dev/null 2>&1 || true
        $ENGINE volume rm -f "$VOLUME" >/dev/null 2>&1 || true
    fi
    if [ "${CLEAN:-0}" = 1 ] && [ "${KEEP:-0}" != 1 ]; then
        [ "$ENGINE" = podman ] && [ "${CONTAINERS_STORAGE_CONF:-}" = "$TEST_DIR/storage.conf" ] \
            && podman system reset -f >/dev/null 2>&1
        rm -rf "$TEST_DIR"
        log "CLEAN=1: removed $TEST_DIR"
    fi
}
trap cleanup EXIT

# ---- base image -------------------------------------------------------------------------------
if [ "$BASE" = localdebian ] && ! $ENGINE image exists localdebian 2>/dev/null; then
    command -v debootstrap >/dev/null || { echo "debootstrap not found" >&2; exit 2; }
    MIRROR=$(grep -h '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1 | awk '{print $2}')
    MIRROR=${MIRROR:-http://deb.debian.org/debian}
    log "making the base image localdebian (debootstrap bookworm from $MIRROR)"
    t0=$(now)
    rm -rf "$TEST_DIR/rootfs"
    $NICE debootstrap --variant=minbase bookworm "$TEST_DIR/rootfs" "$MIRROR" > "$TEST_DIR/debootstrap.log" 2>&1
    tar -C "$TEST_DIR/rootfs" -c . | $ENGINE import - localdebian >/dev/null
    rm -rf "$TEST_DIR/rootfs"
    fig "base image made (s)" "$(since "$t0")"
fi

# ---- build context: the repo's files (tracked and new, not ignored), and the wheels --------------
CTX=$TEST_DIR/context
rm -rf "$CTX" && mkdir -p "$CTX"
(cd "$REPO" && git ls-files -z -co --exclude-standard | tar --null -T - -cf -) | tar -C "$CTX" -xf -
BUILD_ARGS=(--build-arg "BASE=$BASE")
if [ "$TORCH_SOURCE" = local ]; then
    PYV=$(python3 -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
    [ "$PYV" = 3.11 ] || { echo "TORCH_SOURCE=local needs this machine's python3 to be 3.11 (the image's), not $PYV" >&2; exit 2; }
    WHEELS=$TEST_DIR/wheels-all
    STAMP=$(sha256sum "$REPO/requirements.txt" | cut -c1-16)
    if [ "$(cat "$WHEELS/.stamp" 2>/dev/null)" != "$STAMP" ]; then
        log "resolving requirements.txt into a local wheel set (pip download)"
        t0=$(now)
        rm -rf "$WHEELS"
        $NICE python3 -m pip download --only-binary=:all: -d "$WHEELS" -r "$REPO/requirements.txt" \
            > "$TEST_DIR/pip-download.log" 2>&1 || { tail -20 "$TEST_DIR/pip-download.log" >&2; exit 1; }
        echo "$STAMP" > "$WHEELS/.stamp"
        fig "pip download (s)" "$(since "$t0")"
    fi
    mkdir -p "$CTX/wheels"
    for w in "$WHEELS"/*.whl; do
        b=$(basename "$w")
        [[ $b =~ $PRUNE ]] && continue
        ln "$w" "$CTX/wheels/$b" 2>/dev/null || cp "$w" "$CTX/wheels/$b"
    done
    fig "wheels in the build context (MB)" "$(du -smL "$CTX/wheels" | cut -f1)"
    BUILD_ARGS+=(--build-arg WHEELS_ONLY=1)
fi

# ---- build --------------------------------------------------------------------------------------
log "building $IMAGE (log: $TEST_DIR/build.log)"
t0=$(now)
if ! $NICE $ENGINE build "${BUILD_FORMAT[@]}" --network=host "${BUILD_ARGS[@]}" -t "$IMAGE" "$CTX" > "$TEST_DIR/build.log" 2>&1; then
    tail -30 "$TEST_DIR/build.log" >&2
    exit 1
fi
fig "build (s)" "$(since "$t0")"
if [ "${CONTAINERS_STORAGE_CONF:-}" = "$TEST_DIR/storage.conf" ]; then
    # Each build leaves the previous image untagged (podman 4.3 redoes `COPY --from`, ~5 GB here).
    # Tag the dependency stage so it stays cached, then drop untagged images: only in this test's
    # own storage, never in a user's.
    $ENGINE build "${BUILD_FORMAT[@]}" --network=host "${BUILD_ARGS[@]}" --target builder \
        -t "${IMAGE%%:*}:deps" "$CTX" >> "$TEST_DIR/build.log" 2>&1
    $ENGINE image prune -f >/dev/null 2>&1 || true
fi
grep -E '^torch [0-9]' "$TEST_DIR/build.log" | tail -1 | sed 's/^/    /' >&2 || true
SIZE=$($ENGINE image inspect --format '{{.Size}}' "$IMAGE")
fig "image size (MB)" "$((SIZE / 1000000))"
rm -rf "$CTX"   # hard links only, but no need to keep them

# ---- run ----------------------------------------------------------------------------------------
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
URL=http://127.0.0.1:$PORT
$ENGINE volume create "$VOLUME" >/dev/null
t0=$(now)
# podman logs to stderr that it cannot set a systemd timer for the HEALTHCHECK (no systemd here);
# `podman healthcheck run` below runs the check itself. Those lines go to podman.log.
$ENGINE run -d --name "$NAME" -p "127.0.0.1:$PORT:8501" -v "$VOLUME:/data" "$IMAGE" >/dev/null 2>>"$TEST_DIR/podman.log"

wait_healthy() {  # poll the health endpoint; print seconds taken
    local start=$1
    for _ in $(seq $((HEALTH_TIMEOUT_S * 4))); do
        if [ "$(curl -s -m 2 "$URL/_stcore/health" 2>/dev/null)" = ok ]; then since "$start"; return 0; fi
        $ENGINE container inspect --format '{{.State.Running}}' "$NAME" | grep -q true || { echo "container exited" >&2; return 1; }
        sleep 0.25
    done
    echo "not healthy after ${HEALTH_TIMEOUT_S}s" >&2; return 1
}
H=$(wait_healthy "$t0")
fig "start to /_stcore/health ok (s)" "$H"

HC=$($ENGINE healthcheck run "$NAME" >/dev/null 2>&1 && echo healthy || echo UNHEALTHY)
[ "$HC" = healthy ] || { echo "the image's HEALTHCHECK failed" >&2; exit 1; }
fig "HEALTHCHECK (podman healthcheck run)" "$HC"
fig "user in the container" "$($ENGINE exec "$NAME" id -un) (uid $($ENGINE exec "$NAME" id -u))"
fig "hosted mode" "PLAYGROUND_HOSTED=$($ENGINE exec "$NAME" printenv PLAYGROUND_HOSTED)"

read -r CODE SECS < <(curl -s -o /dev/null -w '%{http_code} %{time_total}\n' "$URL/")
[ "$CODE" = 200 ] || { echo "GET / answered $CODE" >&2; exit 1; }
fig "GET / (HTML shell)" "$CODE in $(python3 -c "print(round(float('$SECS') * 1000))") ms"

# ---- the page in a browser, and a run started from a link ---------------------------------------
browser_check() {  # $1: query string; prints seconds until the page's title is drawn
    python3 - "$URL" "$1" <<'EOF'
import sys, time
from playwright.sync_api import sync_playwright
url, query = sys.argv[1], sys.argv[2]
with sync_playwright() as p:
    b = p.chromium.launch(executable_path="/usr/bin/chromium", args=[
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"])
    page = b.new_page()
    t0 = time.time()
    page.goto(f"{url}/{query}", wait_until="domcontentloaded", timeout=60_000)
    page.get_by_role("heading", name="Transformer Loss Playground").wait_for(timeout=60_000)
    dt = time.time() - t0
    if page.locator("[data-testid=stException]").count():
        sys.exit("the page shows an exception: " + page.locator("[data-testid=stException]").first.inner_text()[:300])
    if query:
        time.sleep(3)  # let the autostart land before the session goes away
    b.close()
print(f"{dt:.1f}")
EOF
}
if python3 -c "import playwright" 2>/dev/null && [ -x /usr/bin/chromium ]; then
    H=$(browser_check "")
    fig "page load in Chromium, to the title (s)" "$H"
    t0=$(now)
    H=$(browser_check "?autostart=1&steps=60&model=nano")
    STORE_Q='import sqlite3, sys; c = sqlite3.connect("/data/runs.sqlite3"); print(" ".join(f"{s}:{n}" for s, n in c.execute("select status, count(*) from runs group by status")))'
    for _ in $(seq $((RUN_TIMEOUT_S * 2))); do
        ST=$($ENGINE exec "$NAME" python -c "$STORE_Q" 2>/dev/null || true)
        [[ $ST == *completed:1* ]] && break
        [[ $ST == *failed* || $ST == *diverged* ]] && { echo "run ended badly: $ST" >&2; exit 1; }
        sleep 0.5
    done
    [[ $ST == *completed:1* ]] || { echo "the run did not complete in ${RUN_TIMEOUT_S}s: $ST" >&2; exit 1; }
    fig "link ?autostart=1&steps=60&model=nano: run completed, in store (s)" "$(since "$t0")"
else
    log "no Playwright or /usr/bin/chromium: skipping the browser checks"
    STORE_Q='import sqlite3; c = sqlite3.connect("/data/runs.sqlite3"); print(c.execute("select count(*) from runs").fetchone()[0], "runs")'
    ST=$($ENGINE exec "$NAME" python -c "$STORE_Q")
fi
MEM=$($ENGINE exec "$NAME" python -c 'import psutil; print(sum(p.memory_info().rss for p in psutil.process_iter()) // 2**20)')
fig "container memory now (MB RSS, all processes)" "$MEM"

# ---- restart: SIGTERM handling, and the store on the volume survives ---------------------------
t0=$(now)
$ENGINE stop -t 20 "$NAME" >/dev/null 2>>"$TEST_DIR/podman.log"
fig "stop (SIGTERM to exit) (s)" "$(since "$t0")"
t0=$(now)
$ENGINE start "$NAME" >/dev/null 2>>"$TEST_DIR/podman.log"
H=$(wait_healthy "$t0")
fig "restart to healthy (s)" "$H"
ST2=$($ENGINE exec "$NAME" python -c "$STORE_Q")
[ "$ST2" = "$ST" ] || { echo "the store changed across the restart: '$ST' -> '$ST2'" >&2; exit 1; }
fig "store after restart" "$ST2"

fig "disk used by $TEST_DIR (GB; CLEAN=1 frees it)" "$(du -s --block-size=1G "$TEST_DIR" | cut -f1)"

echo
echo "container test: PASSED ($ENGINE, base $BASE, torch from $TORCH_SOURCE)"
for k in "${ORDER[@]}"; do printf '  %-58s %s\n' "$k" "${FIG[$k]}"; done
