#!/usr/bin/env bash
# Installs, idempotently, the OpenStack services Debian 12 ships (Zed) plus MariaDB, RabbitMQ and
# memcached, so test/openstack can run the rendered configuration on real service code.
# Nothing may start or configure itself during the install: a policy-rc.d that answers 101 keeps
# init scripts from starting daemons, and debconf preseeds keep dbconfig-common and the endpoint
# registration of the Debian packages away from any database or Keystone. The test starts every
# process itself, on loopback, from the rendered files.
set -euo pipefail

pkgs=(
  mariadb-server rabbitmq-server memcached
  keystone glance placement-api nova-api nova-conductor nova-scheduler
  neutron-server neutron-dhcp-agent neutron-l3-agent neutron-metadata-agent openvswitch-switch
  openstack-dashboard python3-openstackclient python3-oslo.config
  apache2 libapache2-mod-wsgi-py3 curl
)
# Debian's nova-compute package drags in a hypervisor (qemu/libvirt, ironic or lxc) that the fake
# driver never uses; the test runs nova-compute from python3-nova (installed with nova-common).

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ]; then
  echo "openstack test: missing ${missing[*]}; run test/openstack/install.sh as root" >&2
  exit 1
fi

echo "openstack test: installing ${#missing[@]} Debian packages" >&2
export DEBIAN_FRONTEND=noninteractive
policy=/usr/sbin/policy-rc.d
policy_saved=""
if [ -e "$policy" ]; then
  policy_saved="$(mktemp)"
  cp -p "$policy" "$policy_saved"
fi
restore_policy() {
  if [ -n "$policy_saved" ]; then
    cp -p "$policy_saved" "$policy"
    rm -f "$policy_saved"
  else
    rm -f "$policy"
  fi
}
trap restore_policy EXIT
printf '#!/bin/sh\nexit 101\n' >"$policy"
chmod 755 "$policy"

seeds=""
for p in keystone glance-common glance-api placement-common placement-api nova-common nova-api \
  neutron-common neutron-server neutron-api neutron-metadata-agent openstack-dashboard; do
  seeds+="$p $p/configure_db boolean false
$p $p/dbconfig-install boolean false
$p $p/register-endpoint boolean false
"
done
seeds+="keystone keystone/create-admin-tenant boolean false
openstack-dashboard horizon/activate_vhost boolean false
"
printf '%s' "$seeds" | debconf-set-selections

apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends \
  -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${missing[@]}" >/dev/null
