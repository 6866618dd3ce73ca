#!/usr/bin/env bash
# The container test: builds the Dockerfile with podman on a Node base image made
# from this machine's own node, runs it the way users do (their manifest and
# loops mounted read-only, the socket directory mounted from the host, a
# read-only root filesystem), and checks HTTP health and metrics, `superloops
# ctl` from the host and from inside, the healthcheck, and a graceful stop.
#
#   bash test/container/container.sh        (as root; installs podman & co. with apt if missing)
#
# Why it is built this way — no Docker engine, no registry, runc and ulimits in
# a containers.conf, a local base image — is in the team's notes on containers
# (podman on these machines). Environment:
#   SUPERLOOPS_TEST_REBUILD_BASE=1   rebuild the base image even if one is cached
#   SUPERLOOPS_TEST_DROP_BASE=1      remove the base image at the end (kept by default: ~55 s to make)
#   SUPERLOOPS_DEBIAN_MIRROR=URL     the mirror debootstrap uses (default: the one apt uses here)
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
T0=$(date +%s)
RUN_ID=$$
NAME=superloops-test-$RUN_ID
IMAGE=localhost/superloops:test-$RUN_ID
SUITE=bookworm                    # the official image is node:20-bookworm-slim
PASSED=0
FAILED=0

log() { printf '[%3ss] %s\n' "$(($(date +%s) - T0))" "$*"; }
pass() { PASSED=$((PASSED + 1)); printf 'PASS  %s\n' "$1"; }
fail() {
  FAILED=$((FAILED + 1))
  printf 'FAIL  %s\n' "$1"
  [[ $# -gt 1 && -n $2 ]] && printf '      %s\n' "${2//$'\n'/$'\n'      }"
  return 0
}
# check DESCRIPTION COMMAND...: PASS when the command exits 0; its output is shown on FAIL.
check() {
  local what=$1 out
  shift
  if out=$("$@" 2>&1); then pass "$what"; else fail "$what" "$(tail -n 15 <<<"$out")"; fi
}
die() {
  printf 'FAIL  %s\n' "$*"
  FAILED=$((FAILED + 1))
  exit 1
}

# ---------------------------------------------------------------------------
# Workspace and cleanup
# ---------------------------------------------------------------------------
WS=$(mktemp -d "${TMPDIR:-/tmp}/superloops-container.XXXXXX")
CONTAINERS=()
cleanup() {
  local code=$?
  for c in "${CONTAINERS[@]}"; do podman rm -f -t 0 "$c" >/dev/null 2>&1; done
  if command -v podman >/dev/null; then
    podman volume rm -f "${VOLUME:-}" >/dev/null 2>&1
    podman rmi -f "$IMAGE" >/dev/null 2>&1
    # The build stages' untagged images, found by the label the build gave them.
    podman images -q --filter "label=superloops.test.run=$RUN_ID" 2>/dev/null | xargs -r podman rmi -f >/dev/null 2>&1
    [[ ${SUPERLOOPS_TEST_DROP_BASE:-0} == 1 ]] && podman rmi -f "${BASE_IMAGE:-}" >/dev/null 2>&1
  fi
  rm -rf "$WS"
  log "total $(($(date +%s) - T0)) s"
  if [[ $FAILED -eq 0 && $code -eq 0 ]]; then
    echo "$PASSED passed, 0 failed"
  else
    echo "$PASSED passed, $FAILED failed"
    [[ $code -eq 0 ]] && code=1
  fi
  exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[[ $(id -u) -eq 0 ]] || die "run as root: podman runs rootful here (rootless was not tried on these machines)"

# ---------------------------------------------------------------------------
# Tools: podman with runc (crun rejects the hybrid cgroups here), debootstrap, curl
# ---------------------------------------------------------------------------
need=()
for tool in podman:podman runc:runc debootstrap:debootstrap curl:curl; do
  command -v "${tool%%:*}" >/dev/null || need+=("${tool#*:}")
done
if [[ ${#need[@]} -gt 0 ]]; then
  log "installing ${need[*]} (apt)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >"$WS/apt.log" 2>&1 || die "apt-get update failed: $(tail -n 5 "$WS/apt.log")"
  apt-get install -y -qq --no-install-recommends "${need[@]}" uidmap slirp4netns fuse-overlayfs ca-certificates \
    >>"$WS/apt.log" 2>&1 || die "apt-get install ${need[*]} failed: $(tail -n 5 "$WS/apt.log")"
fi
command -v node >/dev/null || die "node is not on PATH (the base image is made from this machine's node)"

# The host has no CAP_SYS_RESOURCE: podman's default rlimits are refused, and
# crun 1.8 cannot run on hybrid cgroups. Both settings apply to build and run.
cat >"$WS/containers.conf" <<'EOF'
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
runtime = "runc"
EOF
export CONTAINERS_CONF="$WS/containers.conf"
# Every podman call prints a warning about a CNI plugin it does not use; keep it out of the output.
podman() { command podman "$@" 2> >(grep -v -e 'CNI config file' -e 'failed to find plugin "bridge"' >&2); }

# The CLI on the host side talks to the daemon in the container through the socket volume.
if [[ ! -f $ROOT/dist/superloops.js ]]; then
  log "dist/ is missing: npm run build"
  (cd "$ROOT" && npm run build >"$WS/build.log" 2>&1) || die "npm run build failed: $(tail -n 10 "$WS/build.log")"
fi
HOST_CTL=(node "$ROOT/bin/superloops.js")

# ---------------------------------------------------------------------------
# The base image: a node:20-bookworm-slim look-alike (Debian minbase + this
# machine's node and npm in /usr/local + user node, uid 1000), since no
# registry can be reached. The host CA bundle goes in, for npm behind the
# egress proxy.
# ---------------------------------------------------------------------------
NODE_VERSION=$(node -p 'process.versions.node')
BASE_IMAGE=localhost/superloops-node-base:$NODE_VERSION-$SUITE

debian_mirror() {
  [[ -n ${SUPERLOOPS_DEBIAN_MIRROR:-} ]] && { echo "$SUPERLOOPS_DEBIAN_MIRROR"; return; }
  local m
  m=$(sed -n 's/^URIs:[[:space:]]*\([^[:space:]]*\/debian\)\/\?$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n 1)
  [[ -z $m ]] && m=$(sed -n 's/^deb[[:space:]]\+\(\[[^]]*\][[:space:]]\+\)\?\([^[:space:]]*\/debian\)\/\?[[:space:]].*/\2/p' /etc/apt/sources.list 2>/dev/null | head -n 1)
  echo "${m:-http://deb.debian.org/debian}"
}

make_base() {
  local R=$WS/rootfs mirror node_bin npm_dir
  mirror=$(debian_mirror)
  log "debootstrap --variant=minbase $SUITE from $mirror (about a minute)"
  debootstrap --variant=minbase "$SUITE" "$R" "$mirror" >"$WS/debootstrap.log" 2>&1 ||
    die "debootstrap failed: $(tail -n 5 "$WS/debootstrap.log")"
  node_bin=$(readlink -f "$(command -v node)")
  npm_dir=$(node -p 'require("path").dirname(require.resolve("npm/package.json", { paths: [require("path").join(require("path").dirname(process.execPath), "../lib/node_modules")] }))' 2>/dev/null)
  [[ -d $npm_dir ]] || npm_dir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
  [[ -f $npm_dir/bin/npm-cli.js ]] || die "cannot find npm's package directory (looked at $npm_dir)"
  mkdir -p "$R/usr/local/bin" "$R/usr/local/lib/node_modules"
  install -m 0755 "$node_bin" "$R/usr/local/bin/node"
  cp -a "$npm_dir" "$R/usr/local/lib/node_modules/npm"
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$R/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$R/usr/local/bin/npx"
  chroot "$R" groupadd --gid 1000 node && chroot "$R" useradd --uid 1000 --gid node --shell /bin/bash --create-home node ||
    die "cannot add the user node (uid 1000) to the base"
  mkdir -p "$R/etc/ssl/certs"
  cp /etc/ssl/certs/ca-certificates.crt "$R/etc/ssl/certs/ca-certificates.crt" || die "no CA bundle at /etc/ssl/certs/ca-certificates.crt"
  rm -rf "$R"/var/cache/apt/archives/*.deb "$R"/var/lib/apt/lists/*
  tar -C "$R" -c . | podman import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change "ENV NODE_VERSION=$NODE_VERSION" \
    --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' \
    --change 'CMD ["node"]' - "$BASE_IMAGE" >"$WS/import.log" 2>&1 ||
    die "podman import of the base failed: $(tail -n 5 "$WS/import.log")"
  rm -rf "$R"
}

t=$(date +%s)
if [[ ${SUPERLOOPS_TEST_REBUILD_BASE:-0} != 1 ]] && podman image exists "$BASE_IMAGE"; then
  log "reusing the base image $BASE_IMAGE"
else
  old_base=$(podman image inspect --format '{{.Id}}' "$BASE_IMAGE" 2>/dev/null)
  make_base
  [[ -n $old_base ]] && podman rmi "$old_base" >/dev/null 2>&1
  log "base image $BASE_IMAGE made in $(($(date +%s) - t)) s"
fi
base_node=$(podman run --rm "$BASE_IMAGE" node -p 'process.versions.node' 2>&1)
[[ $base_node == "$NODE_VERSION" ]] || die "the base image cannot run node: $base_node"

# ---------------------------------------------------------------------------
# Build the image: the real Dockerfile, only BASE swapped. Docker format keeps
# the HEALTHCHECK (the OCI format has no field for it).
# ---------------------------------------------------------------------------
t=$(date +%s)
log "podman build $IMAGE"
# --jobs 3: the build and deps stages and tini's apt-get run side by side (43 s -> 31 s here).
if podman build --jobs 3 --format docker --build-arg "BASE=$BASE_IMAGE" --label "superloops.test.run=$RUN_ID" \
  -t "$IMAGE" -f "$ROOT/Dockerfile" "$ROOT" >"$WS/build-image.log" 2>&1; then
  pass "image builds from the Dockerfile (npm ci, npm run build, npm ci --omit=dev, apt-get install tini) in $(($(date +%s) - t)) s"
else
  die "podman build failed:$(printf '\n'; tail -n 25 "$WS/build-image.log")"
fi

cfg=$(podman image inspect "$IMAGE" --format '{{.Config.User}}|{{json .Config.Entrypoint}}|{{json .Config.Cmd}}|{{.Config.StopSignal}}|{{json .Config.Healthcheck.Test}}')
expected='1000:1000|["/usr/bin/tini","--","node","/app/bin/superloopsd.js","start"]|["/app/config/docker.yaml"]|SIGTERM|["CMD","node","/app/bin/superloops.js","ctl","status","--timeout","8000"]'
if [[ $cfg == "$expected" ]]; then pass "image config: USER 1000:1000, tini ENTRYPOINT, CMD docker.yaml, STOPSIGNAL SIGTERM, HEALTHCHECK ctl status"; else fail "image config" "got      $cfg"$'\n'"expected $expected"; fi

# ---------------------------------------------------------------------------
# Run it as a user would: manifest and loops mounted read-only, the socket
# directory from the host, a read-only root with a tmpfs /tmp (where the loop
# modules are compiled) — as under Kubernetes' readOnlyRootFilesystem.
# ---------------------------------------------------------------------------
free_port() { node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })'; }
PORT=$(free_port)
mkdir -p "$WS/config" "$WS/run"
chown 1000:1000 "$WS/run"        # the daemon's user creates the socket here
chmod 0750 "$WS/run"
cat >"$WS/config/test.yaml" <<'EOF'
controller:
  socket: /run/superloops/superloops.sock
  shutdown_timeout: 10s
  http: { host: 0.0.0.0, port: 9464 }
defaults:
  grace_period: 2
loops:
  - name: GoodLoop
    module: ../loops/good-loop.ts
  - name: ProcessLoop
    module: ../loops/process-loop.ts
    options: { batchSize: 10, pauseMs: 50 }
    memory_limit_mb: 64
EOF
SOCK=$WS/run/superloops.sock
URL=http://127.0.0.1:$PORT

CONTAINERS+=("$NAME")
log "podman run $NAME (port $PORT)"
podman run -d --name "$NAME" \
  --read-only --read-only-tmpfs=false --tmpfs /tmp:rw,mode=1777 \
  --health-interval disable \
  -p "127.0.0.1:$PORT:9464" \
  -v "$ROOT/loops:/app/loops:ro" \
  -v "$WS/config:/app/config:ro" \
  -v "$WS/run:/run/superloops" \
  "$IMAGE" /app/config/test.yaml >"$WS/run.log" 2>&1 || die "podman run failed: $(cat "$WS/run.log")"

# wait_for DEADLINE_S WHAT COMMAND...: until the command succeeds; fails early when the container is gone.
wait_for() {
  local deadline=$(($(date +%s) + $1)) what=$2 container=$3
  shift 3
  until "$@" >/dev/null 2>&1; do
    if [[ $(podman inspect "$container" --format '{{.State.Running}}' 2>/dev/null) != true ]]; then
      fail "$what: the container stopped (exit $(podman inspect "$container" --format '{{.State.ExitCode}}' 2>/dev/null))" "$(podman logs "$container" 2>&1 | tail -n 20)"
      return 1
    fi
    if [[ $(date +%s) -ge $deadline ]]; then
      fail "$what: not within $1 s" "$(podman logs "$container" 2>&1 | tail -n 20)"
      return 1
    fi
    sleep 0.25
  done
}
http_code() { curl -s -o "$WS/body" -w '%{http_code}' --max-time 5 "$1"; }
is_ready() { [[ $(http_code "$URL/readyz") == 200 ]]; }

t=$(date +%s)
if wait_for 60 "/readyz answers 200" "$NAME" is_ready; then
  pass "daemon ready: /readyz 200 within $(($(date +%s) - t)) s of podman run"
else
  log "the daemon never became ready; nothing else can be checked"
  exit 1
fi
check 'the log has the "Daemon ready" line' grep -q '"msg":"Daemon ready"' <(podman logs "$NAME" 2>&1)

pid1=$(podman exec "$NAME" cat /proc/1/comm 2>&1)
[[ $pid1 == tini ]] && pass "PID 1 is tini" || fail "PID 1 is tini" "PID 1 is $pid1"
daemon_uid=$(podman exec "$NAME" sh -c 'for p in $(cat /proc/1/task/1/children); do awk "/^Uid:/ { print \$2 }" /proc/$p/status; done' 2>&1)
[[ $daemon_uid == 1000 ]] && pass "the daemon (tini's child) runs as uid 1000" || fail "the daemon runs as uid 1000" "uid: $daemon_uid"

code=$(http_code "$URL/healthz")
[[ $code == 200 ]] && grep -q '"status":"ok"' "$WS/body" && pass "GET /healthz: 200 {\"status\":\"ok\"}" || fail "GET /healthz" "HTTP $code: $(cat "$WS/body")"
code=$(http_code "$URL/readyz")
[[ $code == 200 ]] && grep -q '"ready":true' "$WS/body" && pass "GET /readyz: 200 {\"ready\":true}" || fail "GET /readyz" "HTTP $code: $(cat "$WS/body")"
code=$(http_code "$URL/metrics")
if [[ $code == 200 ]] && grep -q '^superloops_loop_cycles_total{loop="GoodLoop"} [0-9]' "$WS/body" &&
  grep -q '^superloops_loop_up{loop="ProcessLoop"} 1$' "$WS/body"; then
  pass "GET /metrics: 200, superloops_loop_cycles_total for GoodLoop, superloops_loop_up 1 for ProcessLoop"
else
  fail "GET /metrics" "HTTP $code: $(grep -m 8 '^superloops_loop_\(cycles_total\|up\)' "$WS/body")"
fi

if [[ -S $SOCK && $(stat -c '%u %a' "$SOCK") == "1000 600" ]]; then
  pass "control socket on the host volume: $SOCK, uid 1000, mode 0600"
else
  fail "control socket on the host volume" "$(ls -la "$WS/run" 2>&1)"
fi

# loop_field NAME FIELD < status JSON
loop_field() { node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => { const l = JSON.parse(s).controller.loops.find((x) => x.name === process.argv[1]); console.log(l ? l[process.argv[2]] : "missing"); })' "$1" "$2"; }

out=$("${HOST_CTL[@]}" ctl status --socket "$SOCK" 2>&1)
rc=$?
[[ $rc -eq 0 && $out == *GoodLoop*running* && $out == *ProcessLoop*running* ]] &&
  pass "host: superloops ctl status --socket <volume>/superloops.sock exits 0 and lists both loops running" ||
  fail "host: ctl status (exit $rc)" "$out"

gen_before=$("${HOST_CTL[@]}" ctl status --json --socket "$SOCK" 2>&1 | loop_field GoodLoop generation)
out=$("${HOST_CTL[@]}" ctl hard-reset GoodLoop --socket "$SOCK" 2>&1)
rc=$?
status_json=$("${HOST_CTL[@]}" ctl status --json --socket "$SOCK" 2>&1)
gen_after=$(loop_field GoodLoop generation <<<"$status_json")
state_after=$(loop_field GoodLoop state <<<"$status_json")
if [[ $rc -eq 0 && $gen_after == $((gen_before + 1)) && $state_after == running ]]; then
  pass "host: ctl hard-reset GoodLoop exits 0; GoodLoop is running as generation $gen_after (was $gen_before)"
else
  fail "host: ctl hard-reset GoodLoop (exit $rc, generation $gen_before -> $gen_after, state $state_after)" "$out"
fi
wait_for 20 "/readyz 200 again after the hard reset" "$NAME" is_ready && pass "/readyz 200 again after the hard reset"

out=$(podman exec "$NAME" node /app/bin/superloops.js ctl status 2>&1)
rc=$?
[[ $rc -eq 0 && $out == *GoodLoop*running* ]] &&
  pass "inside: podman exec … superloops ctl status (socket from SUPERLOOPS_SOCKET) exits 0" ||
  fail "inside: podman exec … ctl status (exit $rc)" "$out"
out=$(podman exec "$NAME" node /app/bin/superloops.js ctl status --socket /run/superloops/superloops.sock --json 2>&1)
rc=$?
[[ $rc -eq 0 && $(loop_field ProcessLoop state <<<"$out") == running ]] &&
  pass "inside: ctl status --json --socket /run/superloops/superloops.sock exits 0, ProcessLoop running" ||
  fail "inside: ctl status --json (exit $rc)" "$out"

out=$(podman healthcheck run "$NAME" 2>&1)
rc=$?
[[ $rc -eq 0 ]] && pass "the image's HEALTHCHECK passes (podman healthcheck run: ${out:-healthy})" || fail "HEALTHCHECK (exit $rc)" "$out"

# A graceful stop: SIGTERM through tini, every loop stopped, exit 0 — well before the 10 s SIGKILL.
t=$(date +%s%N)
podman stop -t 10 "$NAME" >/dev/null 2>&1
stop_ms=$((($(date +%s%N) - t) / 1000000))
exit_code=$(podman inspect "$NAME" --format '{{.State.ExitCode}}' 2>&1)
[[ $exit_code == 0 ]] && pass "podman stop -t 10: exit code 0" || fail "podman stop -t 10: exit code" "exit code $exit_code; $(podman logs "$NAME" 2>&1 | tail -n 10)"
[[ $stop_ms -lt 9000 ]] && pass "stopped on SIGTERM in $stop_ms ms (not killed at the 10 s timeout)" || fail "stop took $stop_ms ms: SIGTERM did not stop it"
stopped_line=$(podman logs "$NAME" 2>&1 | grep '"msg":"Stopped"')
if [[ $stopped_line == *'"loops":2'* && $stopped_line == *'"graceful":2'* && $stopped_line == *'"terminated":0'* ]]; then
  pass 'logs end with "msg":"Stopped", loops 2, graceful 2, terminated 0'
else
  fail 'the "Stopped" line' "${stopped_line:-no \"msg\":\"Stopped\" line in the logs}"
fi
# Logs are data: podman logs keeps the container's two streams apart (stdout here, stderr to /dev/null, and the
# other way round). Every stdout line must be one JSON object, and nothing may be written to stderr.
podman logs "$NAME" 2>/dev/null >"$WS/stdout.log"
# (podman's own warnings, "WARN[0000] …" or time="…" level=…, are its, not the container's.)
podman logs "$NAME" 2>&1 >/dev/null | grep -v -E '^(WARN|ERRO|INFO)\[[0-9]+\] |^time="' >"$WS/stderr.log"
not_json=$(node -e '
  const lines = require("fs").readFileSync(process.argv[1], "utf8").split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  const bad = lines.filter((l) => { try { const v = JSON.parse(l); return v === null || typeof v !== "object" || Array.isArray(v); } catch { return true; } });
  console.log(`${lines.length} ${bad.length}`);
  for (const l of bad.slice(0, 5)) console.log(l.slice(0, 200));
' "$WS/stdout.log" 2>&1)
read -r total bad <<<"${not_json%%$'\n'*}"
if [[ ${total:-0} -gt 0 && ${bad:-1} == 0 ]]; then
  pass "every one of the $total lines on the container's stdout is a JSON object"
else
  fail "stdout lines that are not a JSON object (${bad:-?} of ${total:-?})" "$(tail -n +2 <<<"$not_json")"
fi
[[ ! -s $WS/stderr.log ]] && pass "nothing on the container's stderr" || fail "the container wrote to stderr" "$(head -n 10 "$WS/stderr.log")"
[[ ! -e $SOCK ]] && pass "the daemon removed its socket from the volume" || fail "socket left behind" "$(ls -la "$WS/run")"
"${HOST_CTL[@]}" ctl status --socket "$SOCK" >/dev/null 2>&1
rc=$?
[[ $rc -eq 3 ]] && pass "host: ctl status after the stop exits 3 (no daemon)" || fail "host: ctl status after the stop exits 3" "exit $rc"

# ---------------------------------------------------------------------------
# The image as shipped: no mounts, no arguments — config/docker.yaml and the examples.
# ---------------------------------------------------------------------------
# The socket directory is a named volume here, shared with a second container
# running only the CLI, as docs/docker.md shows.
PORT2=$(free_port)
VOLUME=$NAME-run
CONTAINERS+=("$NAME-default")
log "podman run $NAME-default (the image's own manifest, port $PORT2, volume $VOLUME)"
podman run -d --name "$NAME-default" --health-interval disable -p "127.0.0.1:$PORT2:9464" \
  -v "$VOLUME:/run/superloops" "$IMAGE" >"$WS/run2.log" 2>&1 ||
  die "podman run (defaults) failed: $(cat "$WS/run2.log")"
has_ready_line() { podman logs "$NAME-default" 2>&1 | grep -q '"msg":"Daemon ready"'; }
if wait_for 60 'default CMD: "Daemon ready"' "$NAME-default" has_ready_line; then
  line=$(podman logs "$NAME-default" 2>&1 | grep '"msg":"Daemon ready"')
  [[ $line == *'"manifest":"/app/config/docker.yaml"'* && $line == *'"socket":"/run/superloops/superloops.sock"'* ]] &&
    pass "default CMD: the examples of config/docker.yaml start, socket in /run/superloops" ||
    fail "default CMD: ready line" "$line"
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$PORT2/healthz")
  [[ $code == 200 ]] && pass "default CMD: /healthz 200 on the published port 9464" || fail "default CMD: /healthz" "HTTP $code"
  check "default CMD: podman exec … ctl status exits 0" podman exec "$NAME-default" node /app/bin/superloops.js ctl status
  check "another container on the named volume: --entrypoint node IMAGE /app/bin/superloops.js ctl status exits 0" \
    podman run --rm --no-healthcheck -v "$VOLUME:/run/superloops" --entrypoint node "$IMAGE" /app/bin/superloops.js ctl status
fi
podman stop -t 40 "$NAME-default" >/dev/null 2>&1
exit_code=$(podman inspect "$NAME-default" --format '{{.State.ExitCode}}' 2>&1)
[[ $exit_code == 0 ]] && pass "default CMD: podman stop -t 40 exits 0" || fail "default CMD: stop" "exit code $exit_code; $(podman logs "$NAME-default" 2>&1 | tail -n 10)"
