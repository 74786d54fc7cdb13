#!/usr/bin/env bash
# Renders nginx/templates/*.template for one environment into OUTDIR, exactly as the official
# nginx image's /docker-entrypoint.d/20-envsubst-on-templates.sh does at container start:
# envsubst over each template, restricted to the environment variables that are defined and
# whose name matches NGINX_ENVSUBST_FILTER (^FRONT_, as in nginx/Dockerfile); the template's
# relative path is kept, the .template suffix dropped. Values come from nginx/env/ENV.env;
# a variable already set in the environment wins (the e2e suite points the front at local
# ports that way). FRONT_RESOLVER defaults to the nameservers of /etc/resolv.conf, like the
# image's 15-local-resolvers.envsh plus nginx/docker-entrypoint.d/19-front-resolver.envsh.
#
# Usage: scripts/render-nginx.sh ENV OUTDIR      (ENV: dev, staging, prod)
# Then:  nginx -t with an nginx.conf whose http {} block includes OUTDIR/*.conf
set -euo pipefail

if [[ $# -ne 2 ]]; then
  echo "usage: $0 ENV OUTDIR   (ENV: a values file nginx/env/ENV.env, e.g. dev, staging, prod)" >&2
  exit 64
fi
env_name=$1
out_dir=$2
root=$(cd "$(dirname "$0")/.." && pwd)
env_file="$root/nginx/env/$env_name.env"
template_dir="${NGINX_ENVSUBST_TEMPLATE_DIR:-$root/nginx/templates}"
suffix="${NGINX_ENVSUBST_TEMPLATE_SUFFIX:-.template}"
filter="${NGINX_ENVSUBST_FILTER:-^FRONT_}"

if [[ ! -f "$env_file" ]]; then
  echo "$0: no values file $env_file" >&2
  exit 64
fi
command -v envsubst >/dev/null || { echo "$0: envsubst is missing (apt-get install gettext-base)" >&2; exit 69; }

while IFS= read -r line || [[ -n "$line" ]]; do
  [[ "$line" =~ ^[[:space:]]*(#|$) ]] && continue
  if [[ ! "$line" =~ ^([A-Za-z_][A-Za-z0-9_]*)=(.*)$ ]]; then
    echo "$0: $env_file: not a KEY=VALUE line: $line" >&2
    exit 65
  fi
  key=${BASH_REMATCH[1]}
  value=${BASH_REMATCH[2]}
  if [[ -z "${!key+set}" ]]; then
    export "$key=$value"
  fi
done < "$env_file"

if [[ -z "${FRONT_RESOLVER:-}" ]]; then
  FRONT_RESOLVER=$(awk 'BEGIN{ORS=" "} $1=="nameserver" {if ($2 ~ ":") {print "["$2"]"} else {print $2}}' /etc/resolv.conf)
  FRONT_RESOLVER="${FRONT_RESOLVER% }"
  export FRONT_RESOLVER
fi

# The image's own line, kept as is so that the two select the same variables.
# shellcheck disable=SC2016,SC2046
defined_envs=$(printf '${%s} ' $(awk "END { for (name in ENVIRON) { print ( name ~ /${filter}/ ) ? name : \"\" } }" < /dev/null ))

mkdir -p "$out_dir"
status=0
while IFS= read -r template; do
  relative_path="${template#"$template_dir/"}"
  output_path="$out_dir/${relative_path%"$suffix"}"
  mkdir -p "$(dirname "$output_path")"
  envsubst "$defined_envs" < "$template" > "$output_path"
  # The image would leave an unset variable as literal text and nginx would then fail on an
  # unknown variable; name it here instead.
  # shellcheck disable=SC2016
  if leftovers=$(grep -o '\${FRONT_[A-Za-z0-9_]*}' "$output_path" | sort -u | tr '\n' ' ') && [[ -n "$leftovers" ]]; then
    echo "$0: $relative_path: not set for $env_name: $leftovers" >&2
    status=1
  fi
done < <(find "$template_dir" -follow -type f -name "*$suffix" -print | sort)
exit "$status"
