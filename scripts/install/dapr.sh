#!/usr/bin/env bash
# Builds a pinned daprd and Dapr's scheduler from the dapr/dapr Go module into the cache, once.
#   bash scripts/install/dapr.sh         -> ${TODOAI_CACHE:-$HOME/.cache/todoai}/dapr-<version>/{daprd,scheduler}
# `go install .../cmd/daprd@v` refuses the module (its go.mod has replace directives), so the module is downloaded
# with `go mod download`, copied out of the read-only module cache and built in place. `-tags allcomponents` is
# required: without a components tag daprd panics at start (zz_notag.go). The first build compiles hundreds of
# modules and takes long on two cores (see README); afterwards this script only checks the binaries are there.
set -euo pipefail

version=${TODOAI_DAPR_VERSION:-v1.18.1}
# all: daprd with every component (-tags allcomponents); minimal: only what todoai loads (Kafka pub/sub, PostgreSQL
# state, local file/env secrets, cron binding, sqlite name resolution), for machines where the full build is too slow.
# The full build took > 40 min on this project's two shared cores (2026-12-04), so minimal is the default.
components=${TODOAI_DAPR_COMPONENTS:-minimal}
cache=${TODOAI_CACHE:-$HOME/.cache/todoai}
case "$components" in
    all) dest="$cache/dapr-$version" ;;
    minimal) dest="$cache/dapr-$version-minimal" ;;
    *) echo "dapr.sh: TODOAI_DAPR_COMPONENTS must be all or minimal, not '$components'" >&2; exit 2 ;;
esac

# daprd is what the tests need; the scheduler (Jobs) is built when the registry serves all its modules (see below).
if [[ -x $dest/daprd ]]; then
    exit 0
fi
command -v go >/dev/null || { echo "dapr.sh: go is not installed (Debian: golang, or the machine's Go)" >&2; exit 1; }

export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-buildvcs=false
moddir=$(go mod download -json "github.com/dapr/dapr@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
[[ -d $moddir ]] || { echo "dapr.sh: go mod download gave no module folder for dapr $version" >&2; exit 1; }

mkdir -p "$dest"
work=$(mktemp -d "${TMPDIR:-/tmp}/todoai-dapr-src.XXXXXX")
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
cp -r "$moddir/." "$work/"
chmod -R u+w "$work"

cd "$work"
if [[ $components == minimal ]]; then
    # Each cmd/daprd/components/*.go registers one component; keep todoai's and the no-tag guard.
    keep=(pubsub_kafka.go state_postgres.go secretstores_local_file.go secretstores_local_env.go bindings_cron.go
          nameresolution_sqlite.go zz_notag.go)
    for f in cmd/daprd/components/*.go; do
        name=$(basename "$f")
        [[ " ${keep[*]} " == *" $name "* ]] || rm "$f"
    done
fi
start=$(date +%s)
echo "dapr.sh: building daprd and scheduler $version (first build: long; nice -n 10)" >&2
# Built to a temporary name and renamed, so an interrupted build never leaves a binary that looks complete.
nice -n 10 go build -trimpath -tags allcomponents -o "$dest/daprd.part" ./cmd/daprd
mv "$dest/daprd.part" "$dest/daprd"
echo "dapr.sh: daprd built in $(($(date +%s) - start)) s into $dest" >&2
# The scheduler needs github.com/diagridio/go-etcd-cron v0.12.5, which the module proxy refused on 2026-12-04
# ("403 Forbidden ... This module version is not available"): without it there is no Jobs API, and daprd still runs.
if nice -n 10 go build -trimpath -o "$dest/scheduler.part" ./cmd/scheduler; then
    mv "$dest/scheduler.part" "$dest/scheduler"
else
    echo "dapr.sh: the scheduler did not build (above); daprd works without it, the Jobs API does not" >&2
fi
