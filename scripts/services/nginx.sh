# shellcheck shell=bash
# nginx for the cluster tests: sourced by scripts/services.sh.
#
#   start_nginx   installs Debian's nginx when missing and exports
#                 LOQUAT_TEST_NGINX (its binary), LOQUAT_TEST_NGINX_CONF
#                 (the cluster's configuration template) and
#                 LOQUAT_TEST_NGINX_SUBPATH_CONF (a site serving the app
#                 under a sub-path)
#   stop_nginx    nothing to stop
#
# Each cluster test runs an nginx of its own, in front of its own nodes,
# from scripts/services/nginx-cluster.conf (on a free loopback port, in a
# temp dir, stopped when the test ends): there is no shared instance.

install_nginx() {
  [[ -x /usr/sbin/nginx ]] && return 0
  log "installing nginx (Debian's nginx)"
  apt_install nginx
}

start_nginx() {
  install_nginx || return 1
  export LOQUAT_TEST_NGINX=/usr/sbin/nginx
  export LOQUAT_TEST_NGINX_CONF="$LOQUAT_ROOT/scripts/services/nginx-cluster.conf"
  export LOQUAT_TEST_NGINX_SUBPATH_CONF="$LOQUAT_ROOT/scripts/services/nginx-subpath.conf"
  log "nginx $(/usr/sbin/nginx -v 2>&1 | awk -F/ '{print $2}') for the cluster tests"
}

stop_nginx() {
  unset LOQUAT_TEST_NGINX LOQUAT_TEST_NGINX_CONF LOQUAT_TEST_NGINX_SUBPATH_CONF
}
