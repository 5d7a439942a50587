#!/usr/bin/env bash
# The Quick-start demo (`npm run demo`, which builds first): a Kubernetes API simulator and a
# filesystem registry on free loopback ports in a temporary directory, a user and a login, every
# package in packages/ pushed, the OpenStack meta-package deployed from the registry with
# parameters.yaml, its status, and a diff with one changed parameter. Everything is stopped and
# removed on exit, whatever happens. Nothing outside the temporary directory is touched.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/stackanetes-demo.XXXXXX")"
pids=()
# Processes still running whose command line names the demo's directory: every server the demo
# starts does (--storage, --kubeconfig), so this finds them even if a PID was recorded wrongly.
leftovers() {
  local proc
  for proc in /proc/[0-9]*; do
    [ "${proc#/proc/}" = "$$" ] && continue
    if tr '\0' ' ' <"$proc/cmdline" 2>/dev/null | grep -qF -- "$work/"; then echo "${proc#/proc/}"; fi
  done
}
cleanup() {
  local code=$?
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  local left
  left="$(leftovers | tr '\n' ' ')"
  if [ -n "$left" ]; then
    echo "error: processes the demo started are still running: $left" >&2
    code=1
  else
    echo "demo processes stopped: ${pids[*]}"
  fi
  rm -rf "$work"
  exit "$code"
}
trap cleanup EXIT INT TERM

# Demo-only credentials: change them for anything but this throwaway registry.
user=demo
password=password

export STACKANETES_HOME="$work/home"   # logins and config of this demo only
export KUBECONFIG="$work/kubeconfig"
stackanetes() { node "$root/bin/stackanetes" "$@"; }
registry_admin() { node "$root/bin/stackanetes-registry" "$@"; }
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then
  step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
else
  step() { printf '\n==> %s\n' "$*"; }
fi

free_port() { node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
wait_for() { # URL, name, log file
  for _ in $(seq 1 100); do
    if node -e 'fetch(process.argv[1]).then(()=>process.exit(0),()=>process.exit(1))' "$1"; then return 0; fi
    sleep 0.1
  done
  echo "error: $2 did not start; its log:" >&2
  cat "$3" >&2
  return 1
}

step "Starting a Kubernetes API simulator (with a kubelet stand-in: pods start after a short delay)"
sim_port="$(free_port)"
node "$root/simulator/dist/main.js" --port "$sim_port" --kubeconfig "$KUBECONFIG" --readiness-delay 300 \
  >"$work/simulator.log" 2>&1 &
pids+=($!)
wait_for "http://127.0.0.1:$sim_port/version" simulator "$work/simulator.log"
echo "simulator on http://127.0.0.1:$sim_port, kubeconfig in $KUBECONFIG"

step "Starting a registry with filesystem storage"
reg_port="$(free_port)"
registry="http://127.0.0.1:$reg_port"
printf '%s\n' "$password" | registry_admin user add "$user" --storage "$work/registry"
# node itself in the background, not the registry_admin function: `$!` of a backgrounded
# function is the subshell running it, and killing that left the server running.
node "$root/bin/stackanetes-registry" serve --listen "127.0.0.1:$reg_port" --storage "$work/registry" \
  --log-level warn >"$work/registry.log" 2>&1 &
pids+=($!)
wait_for "$registry/api/v1/packages" registry "$work/registry.log"
echo "registry on $registry"

step "Logging in as $user"
printf '%s\n' "$password" | stackanetes login "$registry" --username "$user" --password-stdin

step "Pushing every package in packages/, dependencies first"
stackanetes push "$root"/packages/*/ --channel stable

step "Deploying stackanetes/stackanetes from the registry into namespace openstack"
# A copy of the parameters, so the lockfile deploy writes beside them stays in the temporary directory.
cp "$root/parameters.yaml" "$work/parameters.yaml"
cd "$work"
# --allow-cluster-scope: Traefik's ClusterRole and IngressClass live outside the namespace.
stackanetes deploy stackanetes/stackanetes --registry "$registry" --namespace openstack \
  --variables "$work/parameters.yaml" --timeout 5m --allow-cluster-scope

step "Status of the release"
stackanetes status --namespace openstack

step "What would change with two Keystone replicas (diff exits 1 when something would change)"
set +e
stackanetes diff stackanetes/stackanetes --registry "$registry" --namespace openstack \
  --variables "$work/parameters.yaml" --set keystone.replicas=2
code=$?
set -e
if [ "$code" -ne 1 ]; then
  echo "error: diff exited $code, expected 1 (changes)" >&2
  exit 1
fi

step "History"
stackanetes history --namespace openstack

step "The lockfile deploy wrote: the exact releases and digests deployed"
cat "$work/stackanetes.lock"

printf '\nDemo finished: everything it started is stopped and its temporary files removed.\n'
