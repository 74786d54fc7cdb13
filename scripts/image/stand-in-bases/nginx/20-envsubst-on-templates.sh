#!/bin/sh
# Stand-in for nginxinc/nginx-unprivileged's script of the same name (http templates only; the
# official one also handles *.stream-template files): renders every
# NGINX_ENVSUBST_TEMPLATE_DIR/**/*NGINX_ENVSUBST_TEMPLATE_SUFFIX (default /etc/nginx/templates,
# .template) into NGINX_ENVSUBST_OUTPUT_DIR (default /etc/nginx/conf.d), keeping its relative path
# and dropping the suffix, with envsubst restricted to the variables that are set and whose name
# matches NGINX_ENVSUBST_FILTER (an awk regular expression; empty: every variable). A missing
# template folder is no error; an output folder that cannot be written is reported and skipped,
# as the official script does.
set -e

template_dir="${NGINX_ENVSUBST_TEMPLATE_DIR:-/etc/nginx/templates}"
suffix="${NGINX_ENVSUBST_TEMPLATE_SUFFIX:-.template}"
output_dir="${NGINX_ENVSUBST_OUTPUT_DIR:-/etc/nginx/conf.d}"
filter="${NGINX_ENVSUBST_FILTER:-}"

[ -d "$template_dir" ] || exit 0
if [ ! -w "$output_dir" ]; then
  echo "$0: ERROR: $template_dir exists, but $output_dir is not writable"
  exit 0
fi

# shellcheck disable=SC2016
defined_envs=$(awk -v filter="$filter" 'END { for (name in ENVIRON) if (name ~ filter) printf "${%s} ", name }' </dev/null)

find "$template_dir" -follow -type f -name "*$suffix" -print | while read -r template; do
  relative_path="${template#"$template_dir"/}"
  output_path="$output_dir/${relative_path%"$suffix"}"
  mkdir -p "$(dirname "$output_path")"
  echo "$0: running envsubst on $template to $output_path"
  envsubst "$defined_envs" <"$template" >"$output_path"
done
