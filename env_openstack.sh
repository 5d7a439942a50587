# OpenStack client environment for the default stackanetes deployment.
# Usage:  source env_openstack.sh && openstack catalog list
#
# Talks to Keystone through the Traefik ingress (network.ingress in parameters.yaml), so
# identity.openstack.cluster must resolve to one of your nodes, e.g. in /etc/hosts:
#   192.0.2.10  identity.openstack.cluster image.openstack.cluster compute.openstack.cluster
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
