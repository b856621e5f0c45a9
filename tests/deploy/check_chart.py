#!/usr/bin/env python3
"""What the chart's renderings must hold (tests/deploy/chart_checks.sh contents renders them into --rendered).

The services' names, app ids and ports come from the source (src/app/service_catalog.hpp), todoai's drain default
from src/app/config.hpp, so a chart that drifts from the binary fails here. Each check is a function returning a
list of problems; a self-test first proves that the checks catch a broken rendering.
"""
import argparse
import copy
import pathlib
import re
import sys

import yaml

# seed 001's "Recommended Annotations (Production)", every one on every service's pod in Dapr mode.
SEED_ANNOTATIONS = [
    "dapr.io/enabled", "dapr.io/app-id", "dapr.io/app-port", "dapr.io/app-protocol", "dapr.io/log-level",
    "dapr.io/enable-api-logging", "dapr.io/log-as-json", "dapr.io/enable-app-health-check",
    "dapr.io/app-health-check-path", "dapr.io/app-health-probe-interval", "dapr.io/app-health-probe-timeout",
    "dapr.io/app-health-threshold", "dapr.io/config", "dapr.io/sidecar-cpu-limit", "dapr.io/sidecar-memory-limit",
    "dapr.io/sidecar-cpu-request", "dapr.io/sidecar-memory-request", "dapr.io/graceful-shutdown-seconds",
]
SECRET_ENV = re.compile(r"(SECRET|PASSWORD|TOKEN|DATABASE_URL)")


def catalog(root):
    """{name: (app_id, port)} from service_catalog.hpp."""
    text = (root / "src/app/service_catalog.hpp").read_text()
    rows = re.findall(r'\{Service::(\w+), "(\w+)", "([\w-]+)", (\d+), "\w+"\}', text)
    assert len(rows) == 5, f"expected the five services in service_catalog.hpp, found {rows}"
    return {name: (app_id, int(port)) for _, name, app_id, port in rows}


def drain_default(root):
    m = re.search(r"drain_seconds = (\d+);", (root / "src/app/config.hpp").read_text())
    assert m, "drain_seconds default not found in src/app/config.hpp"
    return int(m.group(1))


def load(path):
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def by_kind(docs, kind):
    return [d for d in docs if d["kind"] == kind]


def env_of(container):
    return {e["name"]: e for e in container.get("env", [])}


def secret_of(container, name):
    """The Secret an env var is taken from."""
    return env_of(container).get(name, {}).get("valueFrom", {}).get("secretKeyRef", {}).get("name")


def todoai_deployments(docs):
    return [d for d in by_kind(docs, "Deployment")
            if d["metadata"]["labels"].get("app.kubernetes.io/name") == "todoai"]


def check_deployments(docs, services, drain, dapr):
    problems = []
    deployments = todoai_deployments(docs)
    seen = set()
    for d in deployments:
        comp = d["metadata"]["labels"]["app.kubernetes.io/component"]
        seen.add(comp)
        where = f"Deployment {d['metadata']['name']}"
        if comp not in services:
            problems.append(f"{where}: {comp} is no todoai service")
            continue
        app_id, port = services[comp]
        pod = d["spec"]["template"]
        ann = pod["metadata"].get("annotations", {})
        spec = pod["spec"]
        [c] = spec["containers"]
        if c.get("args") != ["serve", comp]:
            problems.append(f"{where}: args {c.get('args')} are not serve {comp}")
        if [p["containerPort"] for p in c["ports"]] != [port]:
            problems.append(f"{where}: container port is not {port}")
        env = env_of(c)
        if env.get("API_PORT", {}).get("value") != str(port):
            problems.append(f"{where}: API_PORT is not {port}")
        if dapr:
            for key in SEED_ANNOTATIONS:
                if key not in ann:
                    problems.append(f"{where}: annotation {key} missing")
            expect = {"dapr.io/enabled": "true", "dapr.io/app-id": app_id, "dapr.io/app-port": str(port),
                      "dapr.io/app-health-check-path": "/health", "dapr.io/config": "appconfig",
                      "dapr.io/enable-app-health-check": "true"}
            for key, value in expect.items():
                if key in ann and ann[key] != value:
                    problems.append(f"{where}: {key} is {ann[key]!r}, not {value!r}")
            if not all(isinstance(v, str) for v in ann.values()):
                problems.append(f"{where}: an annotation value is not a string")
            if ann.get("dapr.io/app-token-secret") != secret_of(c, "APP_API_TOKEN"):
                problems.append(f"{where}: daprd does not present APP_API_TOKEN (dapr.io/app-token-secret)")
            if "TODOAI_KAFKA_BROKERS" in env:
                problems.append(f"{where}: Dapr mode but todoai gets TODOAI_KAFKA_BROKERS")
            if env.get("TODOAI_PUBSUB", {}).get("value") != "dapr":
                problems.append(f"{where}: Dapr mode without TODOAI_PUBSUB=dapr")
        else:
            if ann.get("dapr.io/enabled") != "false":
                problems.append(f"{where}: direct mode, yet dapr.io/enabled is {ann.get('dapr.io/enabled')!r}")
            for name in ("TODOAI_KAFKA_BROKERS", "DATABASE_URL"):
                if name not in env:
                    problems.append(f"{where}: direct mode without {name}")
        for name, e in env.items():
            if SECRET_ENV.search(name) and "secretKeyRef" not in e.get("valueFrom", {}):
                problems.append(f"{where}: {name} is not taken from a Secret")
        # Probes and shutdown.
        if c["livenessProbe"]["httpGet"]["path"] != "/health":
            problems.append(f"{where}: liveness probe is not /health")
        if c["readinessProbe"]["httpGet"]["path"] != "/health/ready":
            problems.append(f"{where}: readiness probe is not /health/ready")
        drain_s = int(env.get("TODOAI_DRAIN_SECONDS", {}).get("value", drain))
        grace = spec.get("terminationGracePeriodSeconds", 30)
        if grace <= drain_s:
            problems.append(f"{where}: terminationGracePeriodSeconds {grace} is not above the drain {drain_s}")
        if dapr and grace <= int(ann.get("dapr.io/graceful-shutdown-seconds", 0)):
            problems.append(f"{where}: terminationGracePeriodSeconds {grace} is not above the sidecar's shutdown")
        # Security.
        sc = c.get("securityContext", {})
        psc = spec.get("securityContext", {})
        if not (sc.get("runAsNonRoot") or psc.get("runAsNonRoot")):
            problems.append(f"{where}: not runAsNonRoot")
        if sc.get("readOnlyRootFilesystem") is not True:
            problems.append(f"{where}: root filesystem is writable")
        if sc.get("allowPrivilegeEscalation") is not False:
            problems.append(f"{where}: privilege escalation allowed")
        if sc.get("privileged"):
            problems.append(f"{where}: privileged")
        for kind in ("requests", "limits"):
            if not c.get("resources", {}).get(kind):
                problems.append(f"{where}: no resource {kind}")
    if seen != set(services):
        problems.append(f"Deployments for {sorted(seen)}, not the five services {sorted(services)}")
    return problems


def check_services(docs, services):
    problems = []
    ports = {}
    for s in by_kind(docs, "Service"):
        comp = s["metadata"]["labels"].get("app.kubernetes.io/component")
        if comp in services:
            ports[comp] = [p["port"] for p in s["spec"]["ports"]]
    for name, (_, port) in services.items():
        if ports.get(name) != [port]:
            problems.append(f"Service of {name}: ports {ports.get(name)}, not [{port}] (seed 000)")
    return problems


def check_dapr(docs, services, dapr):
    """Components' and Subscriptions' scopes name real app ids; the seed's components exist."""
    problems = []
    app_ids = {a for a, _ in services.values()}
    dapr_docs = [d for d in docs if d["apiVersion"].startswith("dapr.io/")]
    if not dapr:
        return [f"direct mode renders Dapr resource {d['kind']} {d['metadata']['name']}" for d in dapr_docs]
    for d in dapr_docs:
        where = f"{d['kind']} {d['metadata']['name']}"
        if d["kind"] in ("Component", "Subscription", "Resiliency"):
            scopes = d.get("scopes")
            if not scopes:
                problems.append(f"{where}: no scopes")
            for s in scopes or []:
                if s not in app_ids:
                    problems.append(f"{where}: scope {s!r} is no app id of todoai ({sorted(app_ids)})")
    components = {d["metadata"]["name"]: d for d in by_kind(dapr_docs, "Component")}
    want = {"kafka-pubsub": "pubsub.kafka", "statestore": "state.postgresql",
            "kubernetes-secrets": None, "reminder-check-cron": "bindings.cron"}
    for name, type_ in want.items():
        if name not in components:
            problems.append(f"Component {name} missing")
        elif type_ and components[name]["spec"]["type"] != type_:
            problems.append(f"Component {name} is {components[name]['spec']['type']}, not {type_}")
    if "kafka-pubsub" in components:
        meta = {m["name"]: m for m in components["kafka-pubsub"]["spec"]["metadata"]}
        for key in ("brokers", "authType", "consumerGroup", "version"):
            if key not in meta:
                problems.append(f"kafka-pubsub: no {key}")
        for key, m in meta.items():
            if re.search(r"(?i)password", key) and "secretKeyRef" not in m:
                problems.append(f"kafka-pubsub: {key} is not a secretKeyRef")
    if "statestore" in components:
        meta = {m["name"]: m for m in components["statestore"]["spec"]["metadata"]}
        if "secretKeyRef" not in meta.get("connectionString", {}):
            problems.append("statestore: connectionString is not a secretKeyRef")
    if "reminder-check-cron" in components:
        meta = {m["name"]: m["value"] for m in components["reminder-check-cron"]["spec"]["metadata"]}
        if not meta.get("schedule", "").startswith("@every"):
            problems.append(f"reminder-check-cron: schedule {meta.get('schedule')!r}")
    configs = [d["metadata"]["name"] for d in by_kind(dapr_docs, "Configuration")]
    if configs != ["appconfig"]:
        problems.append(f"Configurations {configs}, not [appconfig]")
    else:
        spec = by_kind(dapr_docs, "Configuration")[0]["spec"]
        if "tracing" not in spec or not spec.get("metric", {}).get("enabled"):
            problems.append("appconfig: tracing or metrics missing")
    res = by_kind(dapr_docs, "Resiliency")
    if len(res) != 1:
        problems.append(f"{len(res)} Resiliency resources, not 1")
    else:
        spec = res[0]["spec"]
        target = spec["targets"]["components"].get("kafka-pubsub", {})
        if not (target.get("outbound", {}).get("circuitBreaker") and target.get("outbound", {}).get("retry")):
            problems.append("Resiliency: kafka-pubsub has no retry and circuit breaker")
        for name in spec["policies"]["retries"].values():
            if name.get("policy") != "exponential":
                problems.append("Resiliency: a retry without exponential backoff")
    subs = by_kind(dapr_docs, "Subscription")
    if not subs:
        problems.append("no Subscription")
    for s in subs:
        spec = s["spec"]
        if spec.get("deadLetterTopic") != spec["topic"] + "-dlq":
            problems.append(f"Subscription {s['metadata']['name']}: deadLetterTopic {spec.get('deadLetterTopic')!r}")
        if spec["pubsubname"] not in components:
            problems.append(f"Subscription {s['metadata']['name']}: no Component {spec['pubsubname']}")
        if spec["routes"]["default"] != "/events/" + spec["topic"]:
            problems.append(f"Subscription {s['metadata']['name']}: route {spec['routes']['default']}")
    # A component a service consumes through must be in scope for it.
    for s in subs:
        comp = components.get(s["spec"]["pubsubname"])
        if comp and not set(s["scopes"]) <= set(comp.get("scopes", [])):
            problems.append(f"Subscription {s['metadata']['name']}: {s['scopes']} out of {comp['metadata']['name']}'s scopes")
    return problems


def check_minikube(docs):
    problems = check_ingress(docs)
    sts = {d["metadata"]["labels"]["app.kubernetes.io/component"]: d for d in by_kind(docs, "StatefulSet")}
    if "redpanda" not in sts:
        return ["minikube: no Redpanda StatefulSet"]
    args = sts["redpanda"]["spec"]["template"]["spec"]["containers"][0]["args"]
    for flag in ("--memory=1G", "--smp=1", "--overprovisioned"):
        if flag not in args:
            problems.append(f"minikube: Redpanda lacks {flag} (seed 000)")
    if "postgresql" not in sts:
        problems.append("minikube: no PostgreSQL StatefulSet")
    jobs = by_kind(docs, "Job")
    if not any(j["spec"]["template"]["spec"]["containers"][0]["args"] == ["migrate"] for j in jobs):
        problems.append("minikube: no `todoai migrate` Job")
    for j in jobs:
        if "helm.sh/hook" not in j["metadata"].get("annotations", {}):
            problems.append(f"Job {j['metadata']['name']} is not a Helm hook")
        if j["spec"]["template"]["metadata"].get("annotations", {}).get("dapr.io/enabled") != "false":
            problems.append(f"Job {j['metadata']['name']} would get a sidecar (it would never complete)")
    secrets = by_kind(docs, "Secret")
    if len(secrets) != 1:
        problems.append(f"minikube: {len(secrets)} generated Secrets, not 1")
    elif secrets[0]["data"].get("token") != secrets[0]["data"].get("APP_API_TOKEN"):
        problems.append("minikube: the Secret's `token` (Dapr's app token) is not APP_API_TOKEN")
    return problems


def check_ingress(docs):
    """/, /api to todo, /ws and SSE to websocket, the audit and notification paths to theirs."""
    ingresses = by_kind(docs, "Ingress")
    if len(ingresses) != 1:
        return [f"{len(ingresses)} Ingresses, not 1"]
    problems = []
    routes = {}
    for rule in ingresses[0]["spec"]["rules"]:
        for p in rule["http"]["paths"]:
            routes[p["path"]] = p["backend"]["service"]["name"]
    want = {"/": "todo", "/api": "todo", "/ws": "websocket", "/api/[^/]+/audit": "audit",
            "/api/[^/]+/notifications": "notification", "/api/[^/]+/events": "websocket"}
    for path, svc in want.items():
        if not routes.get(path, "").endswith("-" + svc):
            problems.append(f"Ingress: {path} goes to {routes.get(path)}, not {svc}")
    return problems


def check_cloud(docs, services):
    problems = check_ingress(docs)
    if by_kind(docs, "StatefulSet"):
        problems.append("cloud: Redpanda or PostgreSQL rendered in the cluster")
    if by_kind(docs, "Secret"):
        problems.append("cloud: a Secret rendered (the chart must only reference it)")
    hpas = by_kind(docs, "HorizontalPodAutoscaler")
    if not hpas:
        problems.append("cloud: no HorizontalPodAutoscaler")
    pdbs = by_kind(docs, "PodDisruptionBudget")
    if len(pdbs) != len(services):
        problems.append(f"cloud: {len(pdbs)} PodDisruptionBudgets, not {len(services)}")
    return problems


def check_cloud_kafka(docs):
    """Managed Kafka over SASL: in the component (Dapr mode), in todoai's env (direct mode)."""
    problems = []
    comps = {d["metadata"]["name"]: d for d in by_kind(docs, "Component")}
    if comps:
        meta = {m["name"]: m for m in comps["kafka-pubsub"]["spec"]["metadata"]}
        if meta["authType"]["value"] != "password" or "saslPassword" not in meta:
            problems.append("cloud: kafka-pubsub is not SASL")
        if meta["disableTls"]["value"] != "false":
            problems.append("cloud: kafka-pubsub without TLS")
    else:
        for d in todoai_deployments(docs):
            env = env_of(d["spec"]["template"]["spec"]["containers"][0])
            if env.get("TODOAI_KAFKA_AUTH_TYPE", {}).get("value") != "password" or "TODOAI_KAFKA_SASL_PASSWORD" not in env:
                problems.append(f"cloud direct: {d['metadata']['name']} does not use SASL")
    return problems


def check_local_daprd(docs):
    """The rendering a local daprd loads: loopback brokers, a file secret store, no namespace, no mDNS."""
    problems = []
    dapr_docs = [d for d in docs if d["apiVersion"].startswith("dapr.io/")]
    for d in dapr_docs:
        if "namespace" in d["metadata"]:
            problems.append(f"local daprd: {d['kind']} {d['metadata']['name']} has a namespace")
    comps = {d["metadata"]["name"]: d for d in by_kind(dapr_docs, "Component")}
    store = comps.get("kubernetes-secrets", {}).get("spec", {})
    if store.get("type") != "secretstores.local.file":
        problems.append(f"local daprd: secret store is {store.get('type')}")
    for name in ("kafka-pubsub", "statestore"):
        if comps.get(name, {}).get("auth", {}).get("secretStore") != "kubernetes-secrets":
            problems.append(f"local daprd: {name} does not name its secret store")
    brokers = {m["name"]: m.get("value") for m in comps["kafka-pubsub"]["spec"]["metadata"]}["brokers"]
    if brokers != "127.0.0.1:19092":
        problems.append(f"local daprd: brokers {brokers}")
    cron = {m["name"]: m.get("value") for m in comps["reminder-check-cron"]["spec"]["metadata"]}["schedule"]
    if cron != "@every 2s":
        problems.append(f"local daprd: cron schedule {cron!r}")
    [config] = by_kind(dapr_docs, "Configuration")
    if config["spec"].get("nameResolution", {}).get("component") != "sqlite":
        problems.append("local daprd: name resolution is not sqlite (mDNS would multicast)")
    return problems


def run_all(rendered, services, drain):
    problems = []
    for name, dapr in (("default", True), ("minikube", True), ("cloud", True), ("direct", False),
                       ("cloud-direct", False), ("local-daprd", True)):
        docs = rendered[name]
        found = check_deployments(docs, services, drain, dapr) + check_services(docs, services) + \
            check_dapr(docs, services, dapr)
        if name in ("minikube", "direct"):
            found += check_minikube(docs)
        if name in ("cloud", "cloud-direct"):
            found += check_cloud(docs, services) + check_cloud_kafka(docs)
        if name == "local-daprd":
            found += check_local_daprd(docs)
        problems += [f"[{name}] {p}" for p in found]
    return problems


def self_test(rendered, services, drain):
    """Each kind of breakage the checks exist for is caught."""
    def broken(mutate):
        r = copy.deepcopy(rendered)
        mutate(r)
        return run_all(r, services, drain)

    def deployment(r, name="default"):
        return todoai_deployments(r[name])[0]

    def component(r, cname):
        return next(d for d in r["default"] if d["kind"] == "Component" and d["metadata"]["name"] == cname)

    cases = {
        "an annotation dropped": lambda r: deployment(r)["spec"]["template"]["metadata"]["annotations"].pop(
            "dapr.io/app-health-probe-timeout"),
        "a wrong app id": lambda r: deployment(r)["spec"]["template"]["metadata"]["annotations"].update(
            {"dapr.io/app-id": "todo"}),
        "a scope that is no app id": lambda r: component(r, "kafka-pubsub")["scopes"].append("backend-api"),
        "a grace period below the drain": lambda r: deployment(r)["spec"]["template"]["spec"].update(
            {"terminationGracePeriodSeconds": 5}),
        "a writable root filesystem": lambda r: deployment(r)["spec"]["template"]["spec"]["containers"][0][
            "securityContext"].update({"readOnlyRootFilesystem": False}),
        "a secret as a plain value": lambda r: deployment(r, "direct")["spec"]["template"]["spec"]["containers"][0][
            "env"].append({"name": "JWT_SECRET", "value": "x"}),
        "no dead-letter topic": lambda r: next(d for d in r["default"] if d["kind"] == "Subscription")["spec"].pop(
            "deadLetterTopic"),
    }
    failures = []
    for what, mutate in cases.items():
        if not broken(mutate):
            failures.append(f"self-test: {what} went unnoticed")
    return failures


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", type=pathlib.Path, required=True)
    ap.add_argument("--rendered", type=pathlib.Path, required=True)
    args = ap.parse_args()
    services = catalog(args.root)
    drain = drain_default(args.root)
    rendered = {p.stem: load(p) for p in args.rendered.glob("*.yaml") if not p.stem.endswith(".k8s")}
    problems = self_test(rendered, services, drain)
    problems += run_all(rendered, services, drain)
    for p in problems:
        print("FAIL", p)
    checked = sum(len(d) for d in rendered.values())
    print(f"check_chart: {len(rendered)} renderings, {checked} resources, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
