#!/usr/bin/env python3
"""Validates the Dapr resources of a rendering against Dapr's own CRD schemas (charts/dapr/crds/*.yaml of the
github.com/dapr/dapr Go module, the version the Dapr tests build daprd from), strictly: a field the schema does not
name is an error, as `kubectl apply --validate=strict` would say. Usage: validate_dapr.py CRD_DIR RENDERED.yaml"""
import pathlib
import sys

import jsonschema
import yaml


def strict(schema):
    """additionalProperties: false wherever a structural schema lists properties and keeps no unknown fields."""
    if isinstance(schema, dict):
        if "properties" in schema and "additionalProperties" not in schema and \
                not schema.get("x-kubernetes-preserve-unknown-fields"):
            schema["additionalProperties"] = False
        for value in schema.values():
            strict(value)
    elif isinstance(schema, list):
        for value in schema:
            strict(value)
    return schema


def main():
    crd_dir, rendered = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    schemas = {}
    for f in crd_dir.glob("*.yaml"):
        for crd in yaml.safe_load_all(f.read_text()):
            if not crd or crd.get("kind") != "CustomResourceDefinition":
                continue
            group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
            for v in crd["spec"]["versions"]:
                schemas[(f"{group}/{v['name']}", kind)] = strict(v["schema"]["openAPIV3Schema"])
    docs = [d for d in yaml.safe_load_all(rendered.read_text()) if d and d["apiVersion"].startswith("dapr.io/")]
    problems = 0
    for d in docs:
        key = (d["apiVersion"], d["kind"])
        where = f"{d['kind']} {d['metadata']['name']}"
        if key not in schemas:
            print(f"ERROR {where}: Dapr has no CRD for {key}")
            problems += 1
            continue
        for err in jsonschema.Draft7Validator(schemas[key]).iter_errors(d):
            print(f"ERROR {where}: {'.'.join(map(str, err.absolute_path))}: {err.message}")
            problems += 1
    print(f"validate_dapr: {len(docs)} Dapr resources, {problems} errors")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
