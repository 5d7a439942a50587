#!/usr/bin/env bash
# Installs what the integration tests need beyond npm packages, idempotently:
# - Debian's docker-registry (the CNCF distribution registry) as the real OCI registry;
# - openssl, for the Kubernetes API simulator's TLS certificates;
# - Debian's chromium, the headless browser the registry web UI tests drive (playwright-core
#   never downloads a browser of its own);
# - zsh and fish, whose completion scripts are run in the real shells;
# - an unprivileged system user that runs the tests' PostgreSQL (it refuses to run as root).
# The servers themselves are started on loopback by the tests (test/services/global-setup.ts).
set -euo pipefail

need_apt=()
command -v docker-registry >/dev/null 2>&1 || [ -x /usr/bin/docker-registry ] || need_apt+=(docker-registry)
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then need_apt+=(postgresql); fi
# the simulator's TLS mode makes its self-signed certificate with openssl
command -v openssl >/dev/null 2>&1 || need_apt+=(openssl)
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
command -v zsh >/dev/null 2>&1 || need_apt+=(zsh)
command -v fish >/dev/null 2>&1 || need_apt+=(fish)

if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "test services: missing ${need_apt[*]}; install them with: sudo apt-get install -y ${need_apt[*]}" >&2
    exit 1
  fi
  echo "test services: installing ${need_apt[*]} from Debian" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
  # the package's own service must not hold the default port; tests start their own instances
  if command -v systemctl >/dev/null 2>&1; then systemctl disable --now docker-registry >/dev/null 2>&1 || true; fi
  pkill -x docker-registry >/dev/null 2>&1 || true
fi

if [ "$(id -u)" = 0 ] && ! id stackanetes-pg >/dev/null 2>&1; then
  useradd --system --no-create-home --shell /usr/sbin/nologin stackanetes-pg
fi
