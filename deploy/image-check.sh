#!/usr/bin/env bash
# Build syncer's image from the Dockerfile and run it, without Docker or a registry.
#
#   sudo bash deploy/image-check.sh [CHECKOUT]     (CHECKOUT: default, this repository)
#
# Needs root, Debian's buildah and debootstrap (apt-get install -y buildah debootstrap), a
# package mirror, PyPI (the locks are installed with --require-hashes), and syncer installed in
# CHECKOUT/.venv (the demo's sandbox runs there, on loopback). Takes 6 to 10 minutes, most of
# it debootstrap and the dependency layer (611 s on a shared 2-core machine).
#
# What it does: debootstrap makes a Debian bookworm base (python3, venv, ca-certificates, this
# machine's CA bundle so pip trusts the index) that stands in for python:3.11-slim-bookworm
# through the Dockerfile's PYTHON_IMAGE build argument (Docker Hub is not reachable from every
# build machine); buildah builds the committed tree (vfs storage, chroot isolation). Then, in
# the built image, as user 10001 with tini as PID 1 of a new PID namespace, against the demo's
# sandbox: the image's settings, `syncer --version`, git's safe.directory, the sandbox left out,
# one `run --once` (fresh state, tickets already there: nothing may be created), and SIGTERM to
# the long-running worker. Prints one line per check and exits 1 at the first that fails.
# It never touches Docker or a registry and removes what it made.
set -eu
proj=$(cd "${1:-$(dirname "$0")/..}" && pwd)
syncer="${SYNCER:-$proj/.venv/bin/syncer}"
W=$(mktemp -d)
export STORAGE_DRIVER=vfs BUILDAH_ISOLATION=chroot
B="buildah --storage-driver vfs"
c="" m="" sp="" up=""
cleanup() {
  [ -n "$up" ] && kill "$up" 2>/dev/null || true
  [ -n "$sp" ] && kill "$sp" 2>/dev/null || true
  if [ -n "$c" ]; then $B umount "$c" >/dev/null 2>&1 || true; $B rm "$c" >/dev/null 2>&1 || true; fi
  $B rmi -f localhost/syncer:check localhost/pybase:check >/dev/null 2>&1 || true
  rm -rf "$W"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
ok() { echo "ok: $*"; }

t0=$(date +%s)
mirror=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
debootstrap --variant=minbase --include=python3,python3-venv,python-is-python3,ca-certificates \
  bookworm "$W/rootfs" ${mirror:+"$mirror"} >"$W/deboot.log" 2>&1 || fail "debootstrap: $(tail -2 "$W/deboot.log")"
cp /etc/ssl/certs/ca-certificates.crt "$W/rootfs/etc/ssl/certs/ca-certificates.crt"
c=$($B from scratch); m=$($B mount "$c"); cp -a "$W/rootfs/." "$m/"; $B umount "$c" >/dev/null
$B config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  --env PIP_CERT=/etc/ssl/certs/ca-certificates.crt "$c"
$B commit "$c" localhost/pybase:check >/dev/null; $B rm "$c" >/dev/null; c=""; rm -rf "$W/rootfs"
git clone -q "$proj" "$W/ctx"
(cd "$W/ctx" && $B bud --isolation chroot --network host --build-arg PYTHON_IMAGE=localhost/pybase:check \
   -t localhost/syncer:check . >"$W/build.log" 2>&1) || fail "image build: $(tail -3 "$W/build.log")"
ok "built in $(( $(date +%s) - t0 )) s, $($B images --format '{{.Size}}' localhost/syncer:check)"

config=$($B inspect --format '{{.OCIv1.Config.User}} {{.OCIv1.Config.Entrypoint}} {{.OCIv1.Config.Cmd}}' localhost/syncer:check)
[ "$config" = "10001:10001 [/usr/bin/tini -- syncer] [run --once --config /config/syncer.toml]" ] \
  || fail "image config: $config"
ok "user, entrypoint and command: $config"

c=$($B from localhost/syncer:check); m=$($B mount "$c")
# The image's own environment (ENV), as an engine would set it, and the user's home.
E="$($B inspect --format '{{range .OCIv1.Config.Env}}{{.}} {{end}}' localhost/syncer:check) HOME=/var/lib/syncer"
inside() { unshare --pid --fork chroot --userspec=10001:10001 "$m" /usr/bin/env -i $E "$@"; }

want=$(cd "$proj" && "$syncer" --version)
got=$(inside /usr/bin/tini -- syncer --version)
[ "$got" = "$want" ] || fail "version in the image: $got, checkout: $want"
ok "syncer --version in the image: $got"
safe=$(inside git config --system --get-all safe.directory)
[ "$safe" = "/work/repo" ] || fail "git safe.directory: $safe"
ok "git trusts only /work/repo"
if inside syncer sandbox >"$W/sandbox.log" 2>&1; then fail "the sandbox is in the image"; fi
grep -q "the sandbox is not installed here" "$W/sandbox.log" || fail "sandbox: $(cat "$W/sandbox.log")"
ok "the sandbox is not in the image"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$syncer" demo --workdir "$W/demo" --port "$port" >/dev/null 2>&1 || fail "demo"
(cd "$W/demo" && exec "$syncer" sandbox --port "$port" --data sandbox.json >/dev/null 2>&1) & sp=$!
for _ in $(seq 100); do python3 -c "import socket; socket.create_connection(('127.0.0.1', $port))" 2>/dev/null && break; sleep 0.1; done
mkdir -p "$m/config"; cp -r "$W/demo/postmortems" "$m/config/"
sed 's#^path = .*##; s#paths = \["postmortems"\]#paths = ["/config/postmortems"]#; s#root = "postmortems"#root = "/config/postmortems"#' \
  "$W/demo/syncer.toml" > "$m/config/syncer.toml"
secrets=$(grep -v '^#' "$W/demo/syncer.env" | tr '\n' ' ')
E="$E $secrets"
inside syncer validate >"$W/validate.log" 2>&1 || fail "validate: $(cat "$W/validate.log")"
grep -q "^/config/syncer.toml: valid" "$W/validate.log" || fail "SYNCER_CONFIG: $(cat "$W/validate.log")"
ok "validate reads /config/syncer.toml without --config: $(head -1 "$W/validate.log")"

set +e
inside /usr/bin/tini -- syncer run --once --config /config/syncer.toml >"$W/once.log" 2>&1; code=$?
set -e
[ "$code" = 0 ] || fail "run --once as PID 1: exit $code: $(tail -3 "$W/once.log")"
grep -q "created" "$W/once.log" && fail "run --once created tickets that exist: $(grep created "$W/once.log")"
ok "run --once as PID 1 under tini: exit 0, fresh state, nothing created: $(grep -m1 'unchanged' "$W/once.log")"

(set +e; inside /usr/bin/tini -- syncer run --config /config/syncer.toml >"$W/loop.log" 2>&1; echo "exit $?" >"$W/loop.exit") & up=$!
for _ in $(seq 300); do grep -q "next: sync at" "$W/loop.log" 2>/dev/null && break; sleep 0.1; done
grep -q "next: sync at" "$W/loop.log" || fail "the worker never finished its first cycle: $(tail -3 "$W/loop.log")"
tini=$(pgrep -P "$(pgrep -P "$up" | head -1)" | head -1)
t1=$(date +%s%N); kill -TERM "$tini"
wait "$up" || true; up=""
ms=$(( ($(date +%s%N) - t1) / 1000000 ))
[ "$(cat "$W/loop.exit")" = "exit 143" ] || fail "SIGTERM to the worker: $(cat "$W/loop.exit"): $(tail -3 "$W/loop.log")"
ok "SIGTERM to tini as PID 1: the worker exited 143 after $ms ms"
echo "image check passed in $(( $(date +%s) - t0 )) s"
