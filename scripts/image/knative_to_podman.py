#!/usr/bin/env python3
"""Translates one workload of a rendered overlay (`kubectl kustomize knative/overlays/ENV`) into
what `podman run` needs to run its container as the cluster does; used by
scripts/image/test-images.sh.

Usage: knative_to_podman.py RENDERED_YAML KIND NAME      (KIND: Service (Knative) or Deployment)

Prints one item per line, tab-separated:
  flag    ARG          a podman run argument from the container's settings: --user, --read-only
                       (without podman's own writable /run, /tmp and /var/tmp), --memory,
                       --cap-drop/--cap-add, --security-opt=no-new-privileges
  emptydir MOUNT SIZE  an emptyDir mounted at MOUNT, its sizeLimit (or "-"); as in Kubernetes, an
                       empty directory with mode 0777 that the container writes into
  env     NAME=VALUE   the container's environment: the ConfigMaps of envFrom (resolved by their
                       rendered name, hash suffix included), then env (which wins, as in Kubernetes)
  secret  MOUNT PATH   a file a Secret projects into the container (MOUNT/PATH)
  port    PORT         the container port
  probe   KIND PATH    the httpGet path of the readiness and liveness probes
Exits 1 with a one-line message on anything it cannot translate faithfully (a volume type,
valueFrom, a Secret in envFrom...): a run that silently differs from the cluster proves nothing.
"""
import re
import sys

import yaml


def fail(message):
    print(f"knative_to_podman.py: {message}", file=sys.stderr)
    sys.exit(1)


def memory(quantity):
    match = re.fullmatch(r"(\d+)(Mi|Gi)", str(quantity))
    if not match:
        fail(f"memory limit {quantity!r}: only Mi and Gi are translated")
    return match.group(1) + {"Mi": "m", "Gi": "g"}[match.group(2)]


def main():
    if len(sys.argv) != 4:
        fail("usage: knative_to_podman.py RENDERED_YAML KIND NAME")
    path, kind, name = sys.argv[1:]
    with open(path, encoding="utf-8") as f:
        docs = [d for d in yaml.safe_load_all(f) if d]
    config_maps = {d["metadata"]["name"]: d.get("data") or {} for d in docs if d.get("kind") == "ConfigMap"}
    matches = [d for d in docs if d.get("kind") == kind and d["metadata"]["name"] == name
               and (kind != "Service" or d.get("apiVersion", "").startswith("serving.knative.dev/"))]
    if len(matches) != 1:
        fail(f"{len(matches)} {kind} named {name} in {path}")
    pod = matches[0]["spec"]["template"]["spec"]
    containers = pod.get("containers") or []
    if len(containers) != 1:
        fail(f"{kind}/{name}: {len(containers)} containers, expected one")
    container = containers[0]
    out = []

    # Security: the container's securityContext over the pod's, as Kubernetes merges them.
    security = dict(pod.get("securityContext") or {})
    security.update(container.get("securityContext") or {})
    user, group = security.get("runAsUser"), security.get("runAsGroup")
    if user is None or group is None:
        fail(f"{kind}/{name}: runAsUser and runAsGroup must be set (the image's user is not used)")
    if security.get("runAsNonRoot") is True and user == 0:
        fail(f"{kind}/{name}: runAsNonRoot with runAsUser 0")
    out.append(("flag", f"--user={user}:{group}"))
    if security.get("readOnlyRootFilesystem") is True:
        out.append(("flag", "--read-only"))
        out.append(("flag", "--read-only-tmpfs=false"))
    if security.get("allowPrivilegeEscalation") is False:
        out.append(("flag", "--security-opt=no-new-privileges"))
    capabilities = security.get("capabilities") or {}
    for cap in capabilities.get("drop") or []:
        out.append(("flag", f"--cap-drop={cap}"))
    for cap in capabilities.get("add") or []:
        out.append(("flag", f"--cap-add={cap}"))
    seccomp = (security.get("seccompProfile") or {}).get("type", "RuntimeDefault")
    if seccomp != "RuntimeDefault":
        fail(f"{kind}/{name}: seccompProfile {seccomp}: only RuntimeDefault (podman's default) is translated")

    limits = (container.get("resources") or {}).get("limits") or {}
    if "memory" not in limits:
        fail(f"{kind}/{name}: no memory limit")
    out.append(("flag", f"--memory={memory(limits['memory'])}"))

    # Volumes: emptyDir -> tmpfs; a projected volume of Secrets -> files.
    volumes = {v["name"]: v for v in pod.get("volumes") or []}
    for mount in container.get("volumeMounts") or []:
        volume = volumes.get(mount["name"])
        if volume is None:
            fail(f"{kind}/{name}: volumeMount {mount['name']} has no volume")
        if "emptyDir" in volume:
            empty_dir = volume["emptyDir"] or {}
            if empty_dir.get("medium"):
                fail(f"{kind}/{name}: emptyDir medium {empty_dir['medium']} is not translated")
            out.append(("emptydir", f"{mount['mountPath']}\t{empty_dir.get('sizeLimit', '-')}"))
        elif "projected" in volume or "secret" in volume:
            sources = volume["projected"]["sources"] if "projected" in volume else [{"secret": volume["secret"]}]
            for source in sources:
                if set(source) != {"secret"}:
                    fail(f"{kind}/{name}: projected source {sorted(source)} is not translated")
                items = source["secret"].get("items")
                if not items:
                    fail(f"{kind}/{name}: Secret {source['secret'].get('name')} without items is not translated")
                for item in items:
                    out.append(("secret", f"{mount['mountPath']}\t{item['path']}"))
        else:
            fail(f"{kind}/{name}: volume {mount['name']} ({sorted(volume)}) is not translated")

    env = {}
    for source in container.get("envFrom") or []:
        if set(source) != {"configMapRef"}:
            fail(f"{kind}/{name}: envFrom {sorted(source)} is not translated")
        ref = source["configMapRef"]["name"]
        if ref not in config_maps:
            fail(f"{kind}/{name}: envFrom names ConfigMap {ref}, which the overlay does not render")
        env.update({k: str(v) for k, v in config_maps[ref].items()})
    for var in container.get("env") or []:
        if "value" not in var:
            fail(f"{kind}/{name}: env {var['name']} without a plain value (valueFrom) is not translated")
        env[var["name"]] = str(var["value"])
    for key, value in env.items():
        if "\n" in value:
            fail(f"{kind}/{name}: env {key} holds a newline")
        out.append(("env", f"{key}={value}"))

    ports = container.get("ports") or []
    if len(ports) != 1:
        fail(f"{kind}/{name}: {len(ports)} container ports, expected one")
    out.append(("port", str(ports[0]["containerPort"])))
    for probe in ("readinessProbe", "livenessProbe"):
        http = (container.get(probe) or {}).get("httpGet")
        if not http:
            fail(f"{kind}/{name}: no httpGet {probe}")
        out.append(("probe", f"{probe.removesuffix('Probe')}\t{http['path']}"))

    for item in out:
        print("\t".join(item))


if __name__ == "__main__":
    main()
