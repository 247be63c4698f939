#!/usr/bin/env bash
# Lints a Dockerfile with a few hadolint rules (rule ids in brackets) and the project's own; prints one line per
# problem and exits 1 if there is any, 0 if none.
#   - every FROM names a pinned tag or digest, never `latest` or none (DL3006, DL3007); a stage name is fine;
#   - every `apt-get install` has -y and --no-install-recommends (DL3014, DL3015), and a RUN that runs apt-get
#     (or scripts/install-deps.sh) removes /var/lib/apt/lists in the same layer (DL3009);
#   - no ADD of a URL (DL3020: COPY for files, curl in a RUN for downloads);
#   - a RUN with a pipe runs under `SHELL [..., "-o", "pipefail", ...]` (DL4006);
#   - WORKDIR is absolute (DL3000); CMD and ENTRYPOINT are JSON arrays (DL3025);
#   - the final stage has a USER that is not root (DL3002) and a HEALTHCHECK, unless a probes file is given;
#   - every EXPOSEd port is the one CMD passes to --port; a CMD that binds beyond loopback authenticates
#     (--api-keys-file or --jwt-secret-file, never --no-auth);
#   - `COPY models DIR` comes with ENV FACEFUSE_BUNDLED_MODELS_DIR=DIR (else facefuse looks where it was built);
#   - .dockerignore (second argument) excludes build*/, .git and node_modules;
#   - every package `apt-get install` names exists in the apt sources (`apt-cache show`), when APT_CHECK=1.
# Usage: dockerfile_lint.sh DOCKERFILE DOCKERIGNORE [PROBES_FILE]
#   PROBES_FILE: a Kubernetes manifest; with both a livenessProbe and a readinessProbe it stands in for HEALTHCHECK.
set -uo pipefail
dockerfile=$1; dockerignore=$2; probes=${3:-}
problems=0
problem() { echo "$dockerfile: $*"; problems=$((problems + 1)); }

# One logical instruction per line: comments dropped, continuation lines joined.
instructions=$(awk '
  /^[ \t]*#/ { next }
  { line = $0; sub(/[ \t]+$/, "", line) }
  line ~ /\\$/ { sub(/\\$/, "", line); acc = acc line " "; next }
  { acc = acc line; if (acc ~ /[^ \t]/) print acc; acc = "" }
  END { if (acc ~ /[^ \t]/) print acc }' "$dockerfile")
[ -n "$instructions" ] || { problem "no instructions"; exit 1; }

stages=" "; pipefail=0; final_user=""; final_healthcheck=0; cmd_port=""; exposed=(); models_copy=""; bundled_env=
while IFS= read -r ins; do
  keyword=$(printf '%s' "$ins" | awk '{print toupper($1)}')
  args=$(printf '%s' "$ins" | sed -E 's/^[ \t]*[A-Za-z]+[ \t]*//')
  case "$keyword" in
    FROM)
      image=$(printf '%s' "$args" | sed -E 's/--platform=[^ ]+ +//' | awk '{print $1}')
      stage=$(printf '%s' "$args" | awk 'toupper($2) == "AS" {print $3}')
      if [[ "$stages" != *" $image "* ]]; then
        if [[ "$image" == *@sha256:* ]]; then :
        elif [[ "${image##*/}" != *:* ]]; then problem "FROM $image: no tag (DL3006)"
        elif [[ "${image##*:}" == latest ]]; then problem "FROM $image: the latest tag is not pinned (DL3007)"
        fi
      fi
      [ -n "$stage" ] && stages+="$stage "
      final_user=""; final_healthcheck=0; pipefail=0 ;;
    SHELL) [[ "$args" == *pipefail* ]] && pipefail=1 ;;
    RUN)
      if [[ "$args" == *"apt-get install"* ]]; then
        [[ "$args" == *--no-install-recommends* ]] || problem "apt-get install without --no-install-recommends (DL3015)"
        [[ "$args" =~ apt-get\ install[^\&\;]*\ -(y|[a-z]*y[a-z]*)\  || "$args" == *"--yes"* ]] ||
          problem "apt-get install without -y (DL3014)"
      fi
      if [[ "$args" == *apt-get* || "$args" == *install-deps.sh* ]]; then
        [[ "$args" == *"rm -rf /var/lib/apt/lists"* ]] || problem "a RUN with apt-get leaves /var/lib/apt/lists in the layer (DL3009)"
      fi
      if [[ "$(printf '%s' "$args" | sed -E 's/\|\|//g')" == *"|"* ]] && [ "$pipefail" = 0 ]; then
        problem "a RUN with a pipe but no SHELL with -o pipefail (DL4006)"
      fi ;;
    ADD) [[ "$args" =~ (https?|ftp):// ]] && problem "ADD of a URL: $args (DL3020)" ;;
    COPY) [[ "$args" =~ ^models/?\ +([^ ]+)$ ]] && models_copy=${BASH_REMATCH[1]%/} ;;
    ENV) [[ "$args" =~ FACEFUSE_BUNDLED_MODELS_DIR=([^ ]+) ]] && bundled_env=${BASH_REMATCH[1]%/} ;;
    WORKDIR) [[ "$args" == /* || "$args" == \$* ]] || problem "WORKDIR $args is relative (DL3000)" ;;
    CMD|ENTRYPOINT)
      [[ "$args" == \[* ]] || problem "$keyword is not a JSON array (DL3025)"
      if [ "$keyword" = CMD ]; then
        cmd_args=" $(printf '%s' "$args" | tr -d '[]",' | tr -s ' ') "
        cmd_port=$(awk '{for (i = 1; i < NF; i++) if ($i == "--port") print $(i + 1)}' <<<"$cmd_args")
        if [[ "$cmd_args" == *" --no-auth "* ]]; then problem "CMD serves without authentication (--no-auth)"
        elif [[ "$cmd_args" != *" --bind 127."* && "$cmd_args" != *" --api-keys-file "* && "$cmd_args" != *" --jwt-secret-file "* ]]; then
          problem "CMD serves beyond loopback without --api-keys-file or --jwt-secret-file"
        fi
      fi ;;
    USER) final_user=${args%%:*} ;;
    HEALTHCHECK) [[ "$args" == NONE* ]] || final_healthcheck=1 ;;
    EXPOSE) read -ra ports <<<"$args"; exposed+=("${ports[@]%/*}") ;;
  esac
done <<<"$instructions"

case "$final_user" in
  "") problem "the final stage has no USER: the service would run as root (DL3002)" ;;
  root|0) problem "the final stage runs as USER $final_user (DL3002)" ;;
esac
if [ "$final_healthcheck" = 0 ]; then
  if [ -n "$probes" ] && grep -q 'livenessProbe:' "$probes" && grep -q 'readinessProbe:' "$probes"; then :
  else problem "the final stage has no HEALTHCHECK and no probes file stands in for one"; fi
fi
for port in "${exposed[@]}"; do
  [ "$port" = "$cmd_port" ] || problem "EXPOSE $port but CMD serves --port ${cmd_port:-(none)}"
done

[ "$models_copy" = "$bundled_env" ] ||
  problem "models/ is copied to '${models_copy}' but FACEFUSE_BUNDLED_MODELS_DIR is '${bundled_env}'"
for pattern in 'build*/' '.git' 'node_modules'; do
  grep -qxF -e "$pattern" -e "$pattern/" -e "/$pattern" -e "**/$pattern" -e "**/$pattern/" "$dockerignore" 2>/dev/null ||
    problem "$dockerignore does not exclude $pattern"
done

if [ "${APT_CHECK:-0}" = 1 ]; then
  packages=$(printf '%s\n' "$instructions" | grep -E '^RUN .*apt-get install' |
             sed -E 's/.*apt-get install//; s/&&.*//' | tr ' ' '\n' | grep -E '^[a-z0-9][a-z0-9.+-]+$' | sort -u)
  # One apt-cache call for all (it is slow): it prints a record per package it knows and skips the others.
  known=$(apt-cache show --no-all-versions $packages 2>/dev/null | sed -n 's/^Package: //p' | sort -u)
  for p in $packages; do
    grep -qxF "$p" <<<"$known" || problem "apt package $p is not in the apt sources"
  done
fi
exit $((problems > 0))
