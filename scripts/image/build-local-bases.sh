#!/usr/bin/env bash
# Makes the stand-in base images that scripts/image/test-images.sh builds the repository's
# Dockerfiles on. No registry is reachable here, so the official bases cannot be pulled; these are
# made on the machine, with buildah and podman, and named as stand-ins:
#
#   localhost/stand-in/debian:bookworm          debootstrap --variant=minbase, with the machine's
#                                               apt sources (/etc/apt/sources.list.d/debian.sources)
#   localhost/stand-in/temurin-os:bookworm      + the OS packages and locale of Temurin's images
#   localhost/stand-in/temurin:25-jdk           + the machine's Temurin JDK in /opt/java/openjdk
#                                               (eclipse-temurin:*-jdk-noble's layout and ENV)
#   localhost/stand-in/temurin:25-jre           + a JRE linked from that JDK, in /opt/java/openjdk:
#                                               the modules of OpenJDK's JRE image (those of the boot
#                                               and platform class loaders, and jdk.jdwp.agent) with
#                                               its jlink options and CDS archives, as Temurin ships it
#   localhost/stand-in/nginx-unprivileged:1.22  Debian's nginx 1.22 set up as nginx-unprivileged is,
#                                               where the front relies on it (stand-in-bases/nginx/)
#
# The JVM in the JDK and JRE stand-ins is the same build (the JRE's files are linked from the JDK):
# the AOT cache trained in the image is only valid for the JVM build that recorded it. The
# machine's JDK must be the release functions/Dockerfile pins; the script refuses another one.
#
# Each image is made once per machine and reused while its recipe (this script and
# stand-in-bases/) and the machine's JDK are unchanged (labels stand-in.recipe, stand-in.java).
#
# Usage: build-local-bases.sh [--rebuild]
#   STAND_IN_JDK  the JDK to copy (default the JDK 25 of scripts/java.sh)
# Needs root, buildah, podman and debootstrap.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=scripts/java.sh
source "$root/scripts/java.sh"
jdk=${STAND_IN_JDK:-$JAVA_HOME}
rebuild=false
case "${1:-}" in
  --rebuild) rebuild=true ;;
  "") ;;
  *) echo "usage: $0 [--rebuild]" >&2; exit 2 ;;
esac

readonly DEBIAN=localhost/stand-in/debian:bookworm
readonly TEMURIN_OS=localhost/stand-in/temurin-os:bookworm
readonly JDK_IMAGE=localhost/stand-in/temurin:25-jdk
readonly JRE_IMAGE=localhost/stand-in/temurin:25-jre
readonly NGINX_IMAGE=localhost/stand-in/nginx-unprivileged:1.22
# RUN steps and `buildah run` as chroot: the default (runc in new namespaces) is not available here.
export BUILDAH_ISOLATION=chroot

log() { echo "build-local-bases.sh: $*" >&2; }
die() { log "$*"; exit 1; }

for tool in buildah podman debootstrap; do
  command -v "$tool" >/dev/null || die "$tool is missing (apt-get install buildah podman runc debootstrap)"
done
[[ $(id -u) -eq 0 ]] || die "run as root (debootstrap, and the image store of /var/lib/containers)"

# The release functions/Dockerfile pins (eclipse-temurin:25.0.3_9-jdk-noble: 25.0.3+9) and the JDK's.
pinned=$(sed -n 's/^ARG JDK_IMAGE=eclipse-temurin:\([0-9.]*\)_\([0-9]*\)-jdk.*/\1+\2/p' "$root/functions/Dockerfile")
[[ -n $pinned ]] || die "no pinned eclipse-temurin JDK release in functions/Dockerfile (ARG JDK_IMAGE)"
[[ -f $jdk/release ]] || die "no JDK at $jdk (set STAND_IN_JDK)"
java_version=$(sed -n 's/^SEMANTIC_VERSION="\(.*\)"$/\1/p' "$jdk/release")
[[ $java_version == "$pinned" ]] \
  || die "$jdk is Temurin $java_version, functions/Dockerfile pins $pinned: the stand-in must be the pinned JVM build"

recipe=$(cat "$0" "$here"/stand-in-bases/*/* | sha256sum | cut -c1-16)

# Serialises concurrent runs on the machine: they would build and tag the same names.
exec 9>/var/tmp/stand-in-bases.lock
flock 9

# The working container of the image being made; removed (with its mount) if the script stops
# before committing it.
container=
# shellcheck disable=SC2317
remove_container() {
  if [[ -n $container ]]; then
    buildah rm "$container" >/dev/null 2>&1 || true
  fi
}
trap remove_container EXIT
trap 'exit 130' INT TERM

# current IMAGE [JAVA]: whether IMAGE exists with this recipe (and this JDK's version).
current() {
  local labels
  $rebuild && return 1
  labels=$(podman image inspect --format '{{index .Labels "stand-in.recipe"}} {{index .Labels "stand-in.java"}}' "$1" 2>/dev/null) || return 1
  [[ $labels == "$recipe ${2:-}" ]]
}

# apt_install CONTAINER PACKAGES...: installs with apt-get inside a buildah container, services
# kept from starting (policy-rc.d), package lists removed afterwards as the official images do.
apt_install() {
  local container=$1
  shift
  local output
  if ! output=$(buildah run "$container" -- sh -euc '
    printf "#!/bin/sh\nexit 101\n" >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
    rm -rf /usr/sbin/policy-rc.d /var/lib/apt/lists/* /var/cache/apt/*.bin
  ' apt_install "$@" 2>&1); then
    printf '%s\n' "$output" | tail -n 20 >&2
    die "apt-get install $* failed (output above)"
  fi
}

# commit CONTAINER IMAGE WHAT [JAVA]: labels the container as the stand-in for WHAT and commits it.
commit() {
  local image=$2 what=$3 java=${4:-}
  buildah config --label "stand-in.recipe=$recipe" --label "stand-in.java=$java" \
    --label "org.opencontainers.image.description=STAND-IN for $what, made on this machine by scripts/image/build-local-bases.sh" \
    "$1"
  buildah commit --quiet --rm "$1" "$image" >/dev/null
  container=
  log "$image: made ($((SECONDS - started)) s so far)"
}

started=$SECONDS

# --- Debian ---------------------------------------------------------------------------------------
if current "$DEBIAN"; then
  log "$DEBIAN: reused"
else
  mirror=$(awk '$1 == "URIs:" { print $2; exit }' /etc/apt/sources.list.d/debian.sources)
  [[ -n $mirror ]] || die "no URIs: line in /etc/apt/sources.list.d/debian.sources"
  container=$(buildah from scratch)
  rootfs=$(buildah mount "$container")
  log "$DEBIAN: debootstrap --variant=minbase bookworm from $mirror"
  if ! debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >/var/tmp/stand-in-debootstrap.log 2>&1; then
    tail -n 20 /var/tmp/stand-in-debootstrap.log >&2
    die "debootstrap failed (log: /var/tmp/stand-in-debootstrap.log)"
  fi
  # The machine's sources (with bookworm-updates and -security), so that packages are current.
  rm -f "$rootfs/etc/apt/sources.list"
  cp /etc/apt/sources.list.d/debian.sources "$rootfs/etc/apt/sources.list.d/debian.sources"
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb
  buildah umount "$container" >/dev/null
  buildah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --cmd bash "$container"
  commit "$container" "$DEBIAN" "debian:bookworm-slim"
fi

# --- Temurin: OS packages, JDK, JRE ---------------------------------------------------------------
# As eclipse-temurin's noble images: fontconfig, ca-certificates, p11-kit, tzdata, locales with
# en_US.UTF-8, and their ENV.
temurin_env=(
  --env JAVA_HOME=/opt/java/openjdk
  --env PATH=/opt/java/openjdk/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
  --env LANG=en_US.UTF-8 --env LANGUAGE=en_US:en --env LC_ALL=en_US.UTF-8
  --env "JAVA_VERSION=jdk-$java_version"
)
if current "$TEMURIN_OS"; then
  log "$TEMURIN_OS: reused"
else
  container=$(buildah from --pull=never "$DEBIAN")
  apt_install "$container" fontconfig ca-certificates p11-kit tzdata locales
  buildah run "$container" -- sh -euc 'echo "en_US.UTF-8 UTF-8" >>/etc/locale.gen; locale-gen en_US.UTF-8 >/dev/null'
  commit "$container" "$TEMURIN_OS" "the OS layer of eclipse-temurin:*-noble"
fi

# install_java CONTAINER: what Temurin's Dockerfile does after unpacking the JDK or JRE.
install_java() {
  # shellcheck disable=SC2016
  buildah run "$1" -- sh -euc '
    find "$JAVA_HOME/lib" -name "*.so" -exec dirname "{}" ";" | sort -u >/etc/ld.so.conf.d/docker-openjdk.conf
    ldconfig
    java -Xshare:dump >/dev/null' >&2
}

if current "$JDK_IMAGE" "$java_version"; then
  log "$JDK_IMAGE: reused"
else
  container=$(buildah from --pull=never "$TEMURIN_OS")
  rootfs=$(buildah mount "$container")
  mkdir -p "$rootfs/opt/java"
  cp -a "$jdk" "$rootfs/opt/java/openjdk"
  # The machine's JDK is a Debian package whose cacerts links to /etc/ssl/certs/java; Temurin's
  # archive holds the file itself.
  while IFS= read -r link; do
    cp --remove-destination -L "$jdk/${link#"$rootfs/opt/java/openjdk/"}" "$link"
  done < <(find "$rootfs/opt/java/openjdk" -type l -lname '/*')
  buildah umount "$container" >/dev/null
  buildah config "${temurin_env[@]}" --cmd jshell "$container"
  install_java "$container"
  commit "$container" "$JDK_IMAGE" "eclipse-temurin:${pinned/+/_}-jdk-noble" "$java_version"
fi

if current "$JRE_IMAGE" "$java_version"; then
  log "$JRE_IMAGE: reused"
else
  testkit=$(testkit_jar) || die "could not build testkit/target/testkit.jar"
  mapfile -t modules < <("$jdk/bin/java" --add-modules ALL-SYSTEM -jar "$testkit" jre-modules 2> >(grep -v 'incubator modules' >&2))
  ((${#modules[@]} > 10)) || die "could not list the JRE modules of $jdk"
  container=$(buildah from --pull=never "$TEMURIN_OS")
  rootfs=$(buildah mount "$container")
  mkdir -p "$rootfs/opt/java"
  # OpenJDK's JRE image options (make/Images.gmk), with its CDS archives (classes.jsa, _nocoops).
  IFS=,
  "$jdk/bin/jlink" --add-modules "${modules[*]}" --no-man-pages --no-header-files --strip-debug \
    --generate-cds-archive --output "$rootfs/opt/java/openjdk" 2>&1 | grep -Ev 'incubator modules|Created CDS archive' >&2 || true
  unset IFS
  [[ -x "$rootfs/opt/java/openjdk/bin/java" ]] || die "jlink did not make a JRE"
  buildah umount "$container" >/dev/null
  buildah config "${temurin_env[@]}" "$container"
  install_java "$container"
  commit "$container" "$JRE_IMAGE" "eclipse-temurin:${pinned/+/_}-jre-noble" "$java_version"
fi

# --- nginx ----------------------------------------------------------------------------------------
# What the front relies on of nginxinc/nginx-unprivileged: user and group nginx with uid and gid
# 101, port 8080, pid file and temp paths under /tmp (nginx.conf), logs to stdout/stderr, the
# /docker-entrypoint.sh + /docker-entrypoint.d mechanism with 15-local-resolvers.envsh and
# 20-envsubst-on-templates.sh (/etc/nginx/templates -> /etc/nginx/conf.d), SIGQUIT to stop. It is
# Debian's nginx 1.22, not nginx.org's 1.28 of the official image.
if current "$NGINX_IMAGE"; then
  log "$NGINX_IMAGE: reused"
else
  container=$(buildah from --pull=never "$DEBIAN")
  buildah run "$container" -- sh -euc '
    groupadd --system --gid 101 nginx
    useradd --system --gid nginx --no-create-home --home /nonexistent --comment "nginx user" --shell /bin/false --uid 101 nginx'
  apt_install "$container" nginx gettext-base ca-certificates curl
  nginx_files=$here/stand-in-bases/nginx
  buildah copy --quiet --chmod 0644 "$container" "$nginx_files/nginx.conf" /etc/nginx/nginx.conf >/dev/null
  buildah copy --quiet --chmod 0755 "$container" "$nginx_files/docker-entrypoint.sh" / >/dev/null
  buildah copy --quiet --chmod 0755 "$container" "$nginx_files/15-local-resolvers.envsh" \
    "$nginx_files/20-envsubst-on-templates.sh" /docker-entrypoint.d/ >/dev/null
  buildah run "$container" -- sh -euc '
    rm -rf /etc/nginx/sites-enabled /etc/nginx/sites-available /etc/nginx/modules-enabled
    ln -sf /dev/stdout /var/log/nginx/access.log
    ln -sf /dev/stderr /var/log/nginx/error.log
    # As the official image: the nginx user may change its configuration and caches.
    chown -R 101:0 /etc/nginx /var/lib/nginx
    chmod -R g+w /etc/nginx /var/lib/nginx'
  # buildah warns that the CMD becomes the ENTRYPOINT's arguments, which is the point here.
  buildah config --entrypoint '["/docker-entrypoint.sh"]' --cmd '["nginx", "-g", "daemon off;"]' \
    --stop-signal SIGQUIT --port 8080 --user 101 "$container" 2> >(grep -v 'passed to entrypoint' >&2)
  commit "$container" "$NGINX_IMAGE" "nginxinc/nginx-unprivileged (Debian's nginx 1.22)"
fi

# Earlier versions of the stand-ins, now untagged (only images with this script's label).
mapfile -t stale < <(podman images --quiet --filter dangling=true --filter label=stand-in.recipe 2>/dev/null)
if ((${#stale[@]} > 0)); then
  podman rmi "${stale[@]}" >/dev/null 2>&1 || true
fi
log "stand-in bases ready ($((SECONDS - started)) s)"
