#!/usr/bin/env bash
# The container image (ctest label image): deploy/Dockerfile built with podman, no registry, and run from its files.
#   1. the base debian:bookworm-slim from debootstrap + podman import (tests/deploy/base_image.sh; cached);
#   2. podman build --isolation=chroot --format docker (OCI has no HEALTHCHECK) --target runtime-prebuilt: the Dockerfile's runtime stage around the todoai
#      that scripts/build.sh built on this host ($TODOAI_BINARY), so the test does not compile todoai twice;
#      IMAGE_TARGET=runtime builds the full multi-stage image instead (compiles in the build stage; much slower);
#   3. the image's metadata: user, entrypoint, exposed ports, healthcheck, OCI labels; its size, compressed < 60 MB;
#   4. podman image mount, and todoai started from the mounted tree with chroot --userspec=<the image's user>, the
#      root filesystem read-only (podman's mount) and a writable data dir bound in, as the chart runs it: /health
#      answers, the image's own HEALTHCHECK command passes, a user signs up and creates a task, SIGTERM exits 0.
# Prints the measurements as "image: ..." lines.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
binary=${TODOAI_BINARY:-$root/build/todoai}
target=${IMAGE_TARGET:-runtime-prebuilt}
tag=localhost/todoai:image-test
limit_bytes=$((60 * 1000 * 1000))

for tool in podman debootstrap chroot curl python3; do
    command -v "$tool" >/dev/null || { echo "image_test: $tool is missing (scripts/install-deps.sh)" >&2; exit 1; }
done
[[ $(id -u) -eq 0 ]] || { echo "image_test: needs root (podman image mount, chroot)" >&2; exit 1; }
[[ $target != runtime-prebuilt || -x $binary ]] || { echo "image_test: no todoai at $binary (scripts/build.sh)" >&2; exit 1; }

work=$(mktemp -d /tmp/todoai-image.XXXXXX)
pid=""
mnt=""
cleanup() {
    [[ -n $pid ]] && kill -KILL "$pid" 2>/dev/null || true
    [[ -n $mnt ]] && { umount "$mnt/tmp" "$mnt/var/lib/todoai" 2>/dev/null || true; }
    podman image unmount "$tag" >/dev/null 2>&1 || true
    podman rmi -f "$tag" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

bash "$here/base_image.sh"

# The build context: the whole repository for the full build; for runtime-prebuilt only what that target reads.
if [[ $target == runtime-prebuilt ]]; then
    ctx=$work/context
    mkdir -p "$ctx/deploy" "$ctx/build"
    cp "$root/deploy/Dockerfile" "$root/deploy/runtime-packages.txt" "$ctx/deploy/"
    cp "$binary" "$ctx/build/todoai"
else
    ctx=$root
fi
start=$(date +%s.%N)
podman build --isolation=chroot --format docker --pull=never --target "$target" -f "$ctx/deploy/Dockerfile" -t "$tag" \
    --build-arg REVISION="$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)" \
    "$ctx" >"$work/build.log" 2>&1 || { tail -40 "$work/build.log" >&2; echo "image_test: podman build failed" >&2; exit 1; }
build_s=$(python3 -c "import time; print(f'{time.time() - $start:.1f}')")
echo "image: built target $target in ${build_s} s"

# Metadata.
podman image inspect "$tag" --format '{{json .Config}}' >"$work/config.json"
python3 - "$work/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
problems = []
if c.get("User") != "10001:10001":
    problems.append(f"User is {c.get('User')!r}, not the non-root 10001:10001")
if c.get("Entrypoint") != ["todoai"]:
    problems.append(f"Entrypoint is {c.get('Entrypoint')}")
ports = set(c.get("ExposedPorts") or {})
want = {f"{p}/tcp" for p in (8000, 8001, 8002, 8003, 8004, 8005)}
if not want <= ports:
    problems.append(f"ExposedPorts {sorted(ports)} lack {sorted(want - ports)}")
labels = c.get("Labels") or {}
for key in ("title", "description", "version", "revision", "base.name"):
    if f"org.opencontainers.image.{key}" not in labels:
        problems.append(f"label org.opencontainers.image.{key} missing")
print("\n".join(f"image_test: {p}" for p in problems) or "image: user, entrypoint, ports, labels as expected")
sys.exit(1 if problems else 0)
PY
healthcheck=$(podman image inspect "$tag" --format '{{json .HealthCheck}}')
[[ $healthcheck == *'/health'* ]] || { echo "image_test: no HEALTHCHECK on /health: $healthcheck" >&2; exit 1; }

# Size: the image's uncompressed size, and its `podman save` stream gzipped (what a registry push moves, roughly).
size=$(podman image inspect "$tag" --format '{{.Size}}')
compressed=$(podman save "$tag" 2>/dev/null | gzip -6 | wc -c)
echo "image: $size bytes uncompressed ($((size / 1000000)) MB), $compressed bytes compressed ($((compressed / 1000000)) MB)"
((compressed < limit_bytes)) || { echo "image_test: $compressed bytes compressed, goal < $limit_bytes" >&2; exit 1; }

# Run it from its own files, as the image's user, on a loopback port.
mnt=$(podman image mount "$tag")
[[ -x $mnt/usr/local/bin/todoai ]] || { echo "image_test: no /usr/local/bin/todoai in $mnt" >&2; exit 1; }
if chroot "$mnt" ldd /usr/local/bin/todoai | grep 'not found'; then
    echo "image_test: a shared library of todoai is missing from the image" >&2
    exit 1
fi
user=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["User"])' "$work/config.json")
mkdir -p "$work/data" "$work/tmp"
chown "$user" "$work/data" "$work/tmp"
mount --bind "$work/data" "$mnt/var/lib/todoai"
mount --bind "$work/tmp" "$mnt/tmp"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
env -i PATH=/usr/local/bin:/usr/bin:/bin TODOAI_DATA_DIR=/var/lib/todoai API_HOST=127.0.0.1 API_PORT="$port" \
    TODOAI_ACCESS_LOG=false "$(command -v chroot)" --userspec="$user" "$mnt" /usr/local/bin/todoai >"$work/todoai.log" 2>&1 &
pid=$!
base=http://127.0.0.1:$port
ok=""
for _ in $(seq 300); do
    if curl -sf "$base/health" >/dev/null 2>&1; then ok=1; break; fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
done
[[ -n $ok ]] || { tail -20 "$work/todoai.log" >&2; echo "image_test: /health did not answer" >&2; exit 1; }
echo "image: /health answers on $base (todoai from the image, user $user)"
# The process runs as the image's user, not root.
uid=$(awk '/^Uid:/ {print $2}' "/proc/$pid/status")
[[ $uid == "${user%%:*}" ]] || { echo "image_test: todoai runs as uid $uid" >&2; exit 1; }

# The image's HEALTHCHECK command, run as Docker would run it inside the container.
hc_cmd=$(python3 -c 'import json,sys; t = json.loads(sys.argv[1])["Test"]; assert t[0] == "CMD", t; print(json.dumps(t[1:]))' "$healthcheck")
python3 - "$(command -v chroot)" "$mnt" "$user" "$port" "$hc_cmd" <<'PY'
import json, subprocess, sys
chroot, mnt, user, port, cmd = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], json.loads(sys.argv[5])
env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "API_PORT": port}
r = subprocess.run([chroot, f"--userspec={user}", mnt, *cmd], env=env, timeout=10)
sys.exit(f"image_test: the HEALTHCHECK command failed ({r.returncode})" if r.returncode else 0)
PY
echo "image: HEALTHCHECK passes"

# Sign up, then create a task.
H='Content-Type: application/json'
session=$(curl -sf -X POST "$base/api/auth/sign-up" -H "$H" \
    -d '{"email":"image@example.com","password":"correct horse battery","name":"Image"}')
token=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["token"])' "$session")
user_id=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["user"]["id"])' "$session")
code=$(curl -s -o "$work/task.json" -w '%{http_code}' -X POST "$base/api/$user_id/tasks" -H "$H" \
    -H "Authorization: Bearer $token" -d '{"title":"Ship the image","priority":"high"}')
[[ $code == 201 ]] || { cat "$work/task.json" >&2; echo "image_test: creating a task answered $code" >&2; exit 1; }
python3 - "$work/task.json" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))
assert t["title"] == "Ship the image" and t["status"] == "pending", t
PY
task_id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$work/task.json")
read_back=$(curl -sf "$base/api/$user_id/tasks/$task_id" -H "Authorization: Bearer $token")
python3 -c 'import json,sys; t = json.loads(sys.argv[1]); assert t["title"] == "Ship the image", t' "$read_back"
echo "image: signed up and created a task"
[[ -s $work/data/todo.db ]] || { echo "image_test: no todo.db in the bound data dir" >&2; exit 1; }

# SIGTERM: drains and exits 0.
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
pid=""
[[ $rc -eq 0 ]] || { tail -5 "$work/todoai.log" >&2; echo "image_test: todoai exited $rc on SIGTERM" >&2; exit 1; }
echo "image: SIGTERM exits 0"
echo "image_test: passed"
