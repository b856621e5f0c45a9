#!/usr/bin/env bash
# The chart's checks (ctest label deploy), one step per ctest test:
#   chart_checks.sh lint                 helm lint --strict with each values file
#   chart_checks.sh validate             helm template with each values file (and direct mode), every rendered
#                                        manifest validated offline against the Kubernetes schemas
#                                        (kubernetes-validate --strict), the Dapr resources against Dapr's CRD
#                                        schemas (validate_dapr.py)
#   chart_checks.sh yamllint             yamllint on every YAML file of the repository and on every rendering
#   chart_checks.sh contents             check_chart.py: annotations, scopes, probes, security, ports, ...
# helm and kubernetes-validate come from scripts/install/ (helm.sh, python-tools.sh) in ${TODOAI_CACHE}.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cache=${TODOAI_CACHE:-$HOME/.cache/todoai}
helm=${HELM:-$cache/bin/helm}
venv=$cache/venv
chart=$root/deploy/helm/todoai
for tool in "$helm" "$venv/bin/kubernetes-validate" "$venv/bin/python" "$(command -v go || echo go)"; do
    [[ -x $tool ]] || { echo "chart_checks: $tool is missing (scripts/install-deps.sh installs it)" >&2; exit 1; }
done
out=$(mktemp -d /tmp/todoai-chart.XXXXXX)
trap 'rm -rf "$out"' EXIT

# name: the values files (relative to the chart) and --set flags of one rendering
declare -A renders=(
    [default]="-f values.yaml --set kafka.brokers=kafka-0.kafka.todo-dev.svc.cluster.local:9092"
    [minikube]="-f values-minikube.yaml"
    [cloud]="-f values-cloud.yaml"
    [direct]="-f values-minikube.yaml --set dapr.enabled=false"
    [cloud-direct]="-f values-cloud.yaml --set dapr.enabled=false"
    [local-daprd]="-f values-local-daprd.yaml --set kafka.brokers=127.0.0.1:19092 --set dapr.secretStore.localFile=/tmp/t/secrets.json --set dapr.cron.schedule=@every_2s"
)

render() {  # render NAME: the manifests into $out/NAME.yaml
    local -a args
    read -r -a args <<<"${renders[$1]}"
    local i
    for i in "${!args[@]}"; do
        [[ ${args[i]} == -f ]] && args[i+1]=$chart/${args[i+1]}
        args[i]=${args[i]//@every_2s/@every 2s}
    done
    (cd "$chart" && "$helm" template todoai "$chart" --namespace todo-dev "${args[@]}") >"$out/$1.yaml"
}

case ${1:-} in
lint)
    for f in values.yaml values-minikube.yaml values-cloud.yaml values-local-daprd.yaml; do
        echo "== helm lint --strict -f $f"
        # values.yaml names no brokers (a cluster's own): the lint names one, as a user must.
        "$helm" lint --strict "$chart" -f "$chart/$f" --set dapr.secretStore.localFile=/tmp/t/secrets.json \
            --set kafka.brokers=127.0.0.1:19092
    done
    ;;
validate)
    # Dapr's CRDs come with its Go module (the version scripts/install/dapr.sh builds daprd from; cached after once).
    dapr_version=${TODOAI_DAPR_VERSION:-v1.18.1}
    dapr_dir=$(GOTOOLCHAIN=local GOFLAGS=-mod=mod go mod download -json "github.com/dapr/dapr@$dapr_version" |
        "$venv/bin/python" -c 'import json, sys; print(json.load(sys.stdin)["Dir"])')
    dapr_crds=$dapr_dir/charts/dapr/crds
    [[ -d $dapr_crds ]] || { echo "chart_checks: no CRDs in $dapr_crds" >&2; exit 1; }
    for name in "${!renders[@]}"; do
        render "$name"
        # Kubernetes' own kinds against its schemas; the Dapr resources (CRDs, no schema shipped) are left to
        # check_chart.py, which checks their fields.
        "$venv/bin/python" - "$out/$name.yaml" "$out/$name.k8s.yaml" <<'PY'
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
core = [d for d in docs if not d["apiVersion"].startswith("dapr.io/")]
assert core, "no Kubernetes resource rendered"
yaml.safe_dump_all(core, open(sys.argv[2], "w"), sort_keys=False)
print(f"{len(core)} Kubernetes resources, {len(docs) - len(core)} Dapr resources")
PY
        echo "== kubernetes-validate --strict ($name)"
        "$venv/bin/kubernetes-validate" --strict --quiet "$out/$name.k8s.yaml"
        echo "== Dapr's CRD schemas, strict ($name)"
        "$venv/bin/python" "$root/tests/deploy/validate_dapr.py" "$dapr_crds" "$out/$name.yaml"
    done
    ;;
yamllint)
    command -v yamllint >/dev/null || { echo "chart_checks: yamllint is missing (scripts/install-deps.sh)" >&2; exit 1; }
    mapfile -t files < <(cd "$root" && git ls-files --cached --others --exclude-standard '*.yaml' '*.yml' |
        grep -v '^deploy/helm/[^/]*/templates/')
    ((${#files[@]})) || { echo "chart_checks: no YAML file found" >&2; exit 1; }
    (cd "$root" && yamllint --strict -c .yamllint.yaml "${files[@]}")
    echo "yamllint: ${#files[@]} files"
    for name in "${!renders[@]}"; do
        render "$name"
        yamllint --strict -c "$root/tests/deploy/yamllint-rendered.yaml" "$out/$name.yaml"
        echo "yamllint: rendering '$name'"
    done
    ;;
contents)
    for name in "${!renders[@]}"; do render "$name"; done
    "$venv/bin/python" "$root/tests/deploy/check_chart.py" --root "$root" --rendered "$out"
    ;;
*)
    echo "usage: chart_checks.sh lint|validate|yamllint|contents" >&2
    exit 2
    ;;
esac
