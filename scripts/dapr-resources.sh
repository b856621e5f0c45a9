#!/usr/bin/env bash
# The Dapr resources a local daprd loads, rendered from the Helm chart (deploy/helm/todoai, values-local-daprd.yaml):
# the same templates the chart deploys, so what the Dapr-mode tests and `scripts/dev-cluster.sh --dapr` run is what a
# cluster gets. Only what differs outside Kubernetes is set: the brokers, the secret store (secretstores.local.file
# standing in for kubernetes-secrets), the sqlite name resolver's file (never mDNS) and, for tests, the cron schedule.
#
#   scripts/dapr-resources.sh OUT KAFKA_BROKERS SECRETS_FILE NAMES_DB [--set k=v ...]
#     -> OUT/resources/*.yaml   Components (kafka-pubsub, kafka-pubsub-broadcast, statestore, kubernetes-secrets,
#                               reminder-check-cron), the Resiliency policy, the Subscriptions: daprd --resources-path
#        OUT/config.yaml        the Configuration appconfig: daprd --config
#
# SECRETS_FILE (JSON, multiValued) must hold the chart's Secret: {"todoai-secrets": {"DATABASE_URL": "..."}} (the
# statestore's connectionString refers to it), plus whatever the apps read (seed 000: db-credentials /
# connectionString). kafka-pubsub-broadcast (websocket's) uses the consumer group {podName}: start that daprd with
# POD_NAME=<replica>. Extra arguments go to `helm template` (e.g. --set-string dapr.cron.schedule='@every 1s').
# helm: $HELM, else ${TODOAI_CACHE:-$HOME/.cache/todoai}/bin/helm (scripts/install/helm.sh), else helm on PATH.
set -euo pipefail
if (($# < 4)); then
    echo "usage: dapr-resources.sh OUT KAFKA_BROKERS SECRETS_FILE NAMES_DB [helm template args...]" >&2
    exit 2
fi
out=$1 brokers=$2 secrets=$3 names=$4
shift 4
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
chart=$root/deploy/helm/todoai
helm=${HELM:-${TODOAI_CACHE:-$HOME/.cache/todoai}/bin/helm}
[[ -x $helm ]] || helm=$(command -v helm || true)
[[ -n $helm ]] || { echo "dapr-resources.sh: no helm (scripts/install/helm.sh builds it into the cache)" >&2; exit 1; }

# --set splits on commas: a broker list's are escaped.
esc() { printf '%s' "${1//,/\\,}"; }
render=$(mktemp -d "${TMPDIR:-/tmp}/todoai-dapr-render.XXXXXX")
trap 'rm -rf "$render"' EXIT
"$helm" template todoai "$chart" -f "$chart/values-local-daprd.yaml" \
    --set-string "kafka.brokers=$(esc "$brokers")" \
    --set-string "dapr.secretStore.localFile=$(esc "$secrets")" \
    --set-string "dapr.nameResolution.configuration.connectionString=$(esc "$names")" \
    --output-dir "$render" "$@" >/dev/null
rendered=$render/todoai/templates/dapr
[[ -f $rendered/kafka-pubsub.yaml && -f $rendered/configuration.yaml ]] ||
    { echo "dapr-resources.sh: helm rendered no Dapr resources into $rendered" >&2; exit 1; }

mkdir -p "$out/resources"
rm -f "$out"/resources/*.yaml
for f in "$rendered"/*.yaml; do
    [[ $(basename "$f") == configuration.yaml ]] || cp "$f" "$out/resources/"
done
cp "$rendered/configuration.yaml" "$out/config.yaml"
