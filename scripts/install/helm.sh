#!/usr/bin/env bash
# helm (the chart checks, ctest label deploy): built from its Go module (the Go module proxy is the only place it comes
# from here), pinned, into ${TODOAI_CACHE:-$HOME/.cache/todoai}/bin/helm. Idempotent: quick when that version is there.
set -euo pipefail
version=v4.3.2
cache=${TODOAI_CACHE:-$HOME/.cache/todoai}
bin=$cache/bin
if [[ -x $bin/helm ]] && "$bin/helm" version --template '{{.Version}}' 2>/dev/null | grep -qx "$version"; then
    exit 0
fi
command -v go >/dev/null || { echo "install/helm.sh: go is needed to build helm $version" >&2; exit 1; }
mkdir -p "$bin"
# The version stamp helm prints comes from ldflags in its Makefile; set it the same way so the check above holds.
GOTOOLCHAIN=local CGO_ENABLED=0 GOBIN="$bin" GOFLAGS=-trimpath \
    go install -ldflags "-s -w -X helm.sh/helm/v4/internal/version.version=$version" "helm.sh/helm/v4/cmd/helm@$version"
"$bin/helm" version --template '{{.Version}}' | grep -qx "$version" ||
    { echo "install/helm.sh: $bin/helm does not report $version" >&2; exit 1; }
