#!/usr/bin/env bash
# Python tools for the chart checks (ctest label deploy), from PyPI, pinned, in a venv in
# ${TODOAI_CACHE:-$HOME/.cache/todoai}/venv: kubernetes-validate validates rendered manifests offline against the
# Kubernetes JSON schemas it ships. Idempotent: quick when the pinned versions are there.
set -euo pipefail
pins=(kubernetes-validate==1.37.0)
cache=${TODOAI_CACHE:-$HOME/.cache/todoai}
venv=$cache/venv
stamp=$venv/.todoai-pins
want=$(printf '%s\n' "${pins[@]}")
if [[ -x $venv/bin/kubernetes-validate && -f $stamp && "$(cat "$stamp")" == "$want" ]]; then
    exit 0
fi
# Debian's interpreter (python3-venv), not whatever python3 comes first on PATH.
python=/usr/bin/python3
[[ -x $python ]] || python=python3
mkdir -p "$cache"
"$python" -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check "${pins[@]}"
printf '%s\n' "$want" >"$stamp"
