#!/bin/sh
# The entrypoint of the stand-in for nginxinc/nginx-unprivileged (scripts/image/build-local-bases.sh;
# Debian's nginx package has none), with the official image's contract: when the command is nginx,
# the files of /docker-entrypoint.d/ run in name order before it starts; an executable *.envsh is
# sourced (what it exports reaches nginx), an executable *.sh is run, anything else is skipped.
set -e

log() {
  if [ -z "${NGINX_ENTRYPOINT_QUIET_LOGS:-}" ]; then
    echo "$0: $*"
  fi
}

if [ "$1" = nginx ] || [ "$1" = nginx-debug ]; then
  for file in $(find /docker-entrypoint.d/ -follow -type f -print | sort -V); do
    case "$file" in
      *.envsh)
        if [ -x "$file" ]; then
          log "sourcing $file"
          # shellcheck disable=SC1090
          . "$file"
        else
          log "ignoring $file, not executable"
        fi
        ;;
      *.sh)
        if [ -x "$file" ]; then
          log "launching $file"
          "$file"
        else
          log "ignoring $file, not executable"
        fi
        ;;
      *) log "ignoring $file" ;;
    esac
  done
  log "configuration complete; ready for start up"
fi

exec "$@"
