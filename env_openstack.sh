# OpenStack client environment for the default stackanetes deployment.
# Usage:  source env_openstack.sh && openstack catalog list
#
# Talks to the public endpoints through the Traefik ingress (network.ingress in
# parameters.yaml), so every published host must resolve to one of your nodes, e.g. in
# /etc/hosts (volume and object-store exist only with Ceph, search only with Searchlight):
#   192.0.2.10  identity.openstack.cluster image.openstack.cluster compute.openstack.cluster
#   192.0.2.10  network.openstack.cluster placement.openstack.cluster novnc.compute.openstack.cluster
#   192.0.2.10  horizon.openstack.cluster volume.openstack.cluster object-store.openstack.cluster
#   192.0.2.10  search.openstack.cluster
# The credentials are the placeholders of parameters.yaml (identity.admin): change both together.
export OS_AUTH_URL=http://identity.openstack.cluster:30080/v3
export OS_IDENTITY_API_VERSION=3
export OS_REGION_NAME=RegionOne
export OS_USERNAME=admin
export OS_PASSWORD=password
export OS_PROJECT_NAME=admin
export OS_USER_DOMAIN_NAME=Default
export OS_PROJECT_DOMAIN_NAME=Default
export OS_INTERFACE=public
