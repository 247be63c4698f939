#!/usr/bin/env bash
# deploy.dockerfile_lint: deploy/Dockerfile and .dockerignore pass dockerfile_lint.sh (hadolint-like rules, and
# every apt package exists in Debian 12), and the linter fails each of a set of broken copies, naming the rule.
# Then every shared library the built facefuse needs (readelf NEEDED, resolved by ldd, owned per dpkg -S) is
# installed by the runtime stage, or is libcudart, which it copies; and the binary accepts the image's CMD. Usage: test_dockerfile_lint.sh SOURCE_DIR
# FACEFUSE. Exit 77 (skipped) only when apt-cache or bookworm sources are missing, after every other rule passed.
SOURCE_DIR=$1; FACEFUSE=$2
source "$SOURCE_DIR/tests/deploy/common.sh"
lint=$SOURCE_DIR/tests/deploy/dockerfile_lint.sh
dockerfile=$SOURCE_DIR/deploy/Dockerfile
dockerignore=$SOURCE_DIR/.dockerignore

apt_check=0
if command -v apt-cache >/dev/null && grep -rqsE '(^| )bookworm( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  apt_check=1
fi
out=$(APT_CHECK=$apt_check bash "$lint" "$dockerfile" "$dockerignore") || fail "deploy/Dockerfile: $out"
echo "deploy/Dockerfile and .dockerignore: lint clean (apt packages checked: $apt_check)"

# The runtime packages cover what the binary links (libc6 and libgcc-s1 are in every Debian image).
need readelf; need dpkg
runtime_packages=" $(awk '/^FROM .* AS runtime/ {r = 1} r' "$dockerfile" | sed -n '/apt-get install/,/rm -rf/p' |
                     tr ' \\' '\n\n' | grep -E '^[a-z0-9][a-z0-9.+-]+$' | tr '\n' ' ') "
missing=()
for soname in $(readelf -d "$FACEFUSE" | sed -n -E 's/.*\(NEEDED\).*\[(.*)\]/\1/p'); do
  if [[ "$soname" == libcudart.so.* ]]; then
    grep -q 'libcudart.so' "$dockerfile" || missing+=("$soname (the CUDA runtime is not copied)")
    continue
  fi
  file=$(ldd "$FACEFUSE" | awk -v l="$soname" '$1 == l {print $3}')
  [ -n "$file" ] || fail "ldd does not resolve $soname of $FACEFUSE"
  package=$(dpkg -S "$(readlink -f "$file")" 2>/dev/null | head -1 | cut -d: -f1) || true
  [ -n "$package" ] || package=$(dpkg -S "$file" 2>/dev/null | head -1 | cut -d: -f1) || true
  [ -n "$package" ] || { missing+=("$soname ($file belongs to no package)"); continue; }
  case "$package" in libc6|libgcc-s1) continue ;; esac
  [[ "$runtime_packages" == *" $package "* ]] || missing+=("$soname (package $package)")
done
((${#missing[@]} == 0)) || fail "the runtime stage does not install what facefuse links: ${missing[*]}"
echo "the runtime stage installs every library facefuse links"

# The image's CMD on the real binary, so every option it passes exists and is accepted: port 0, loopback, temp
# data dir and keys file (the image's paths do not exist here).
need jq
cmd_json=$(awk '/^CMD \[/ {c = 1} c {line = $0; sub(/\\$/, "", line); printf "%s", line} c && !/\\$/ {exit}' "$dockerfile" |
           sed -E 's/^CMD //')
mkdir -p "$WORK/keys"; printf 'lint:0123456789abcdef0123\n' >"$WORK/keys/api-keys"
args=()
while IFS= read -r a; do
  case "${previous:-}" in
    --port) a=0 ;; --bind) a=127.0.0.1 ;; --data-dir) a=$WORK/data ;; --api-keys-file) a=$WORK/keys/api-keys ;;
  esac
  args+=("$a"); previous=$a
done < <(jq -r '.[]' <<<"$cmd_json") || fail "CMD is not a JSON array: $cmd_json"
FACEFUSE_NVML_LIBRARY=/nonexistent/libnvidia-ml.so.1 "$FACEFUSE" "${args[@]}" --duration 0.3 >"$WORK/cmd.out" 2>&1 ||
  fail "facefuse ${args[*]} (the image's CMD, made local) failed: $(cat "$WORK/cmd.out")"
grep -q 'job API at http://' "$WORK/cmd.out" || fail "the image's CMD does not start the job API: $(cat "$WORK/cmd.out")"
echo "facefuse accepts the image's CMD"

# Each broken copy must fail with its rule's message.
expect_failure() {  # NAME EXPECTED_MESSAGE SED_SCRIPT [DOCKERIGNORE] [APT_CHECK]
  sed -E "$3" "$dockerfile" >"$WORK/$1.Dockerfile"
  local got rc=0
  got=$(APT_CHECK=${5:-0} bash "$lint" "$WORK/$1.Dockerfile" "${4:-$dockerignore}") || rc=$?
  [ "$rc" = 1 ] || fail "$1: the linter passed a broken Dockerfile (exit $rc)"
  grep -qF -- "$2" <<<"$got" || fail "$1: expected '$2', got: $got"
}
expect_failure latest_tag "the latest tag is not pinned (DL3007)" 's/^FROM debian:12.8-slim AS build/FROM debian:latest AS build/'
expect_failure no_tag "no tag (DL3006)" 's/^FROM debian:12.8-slim AS runtime/FROM debian AS runtime/'
expect_failure recommends "without --no-install-recommends (DL3015)" 's/ --no-install-recommends//'
expect_failure apt_lists "leaves /var/lib/apt/lists in the layer (DL3009)" '/rm -rf \/var\/lib\/apt\/lists/d'
expect_failure root "the final stage has no USER" '/^USER /d'
expect_failure root_user "runs as USER root" 's/^USER .*/USER root/'
expect_failure add_url "ADD of a URL" 's|^COPY models |ADD https://example.com/models.tar.gz |'
expect_failure no_healthcheck "no HEALTHCHECK" '/^HEALTHCHECK/,/^  CMD/d'
expect_failure port_mismatch "EXPOSE 9464 but CMD serves --port 8080" 's/^EXPOSE 8080/EXPOSE 9464/'
expect_failure shell_form "CMD is not a JSON array (DL3025)" 's/^CMD .*/CMD facefuse serve --port 8080/'
expect_failure bundled_models "FACEFUSE_BUNDLED_MODELS_DIR is ''" '/FACEFUSE_BUNDLED_MODELS_DIR=/d'
expect_failure no_auth "CMD serves beyond loopback without --api-keys-file" 's/"--api-keys-file", "\/run\/secrets\/facefuse-api-keys"//'
expect_failure no_pipefail "a pipe but no SHELL with -o pipefail (DL4006)" '/^SHELL /d'
grep -v '^build\*/$' "$dockerignore" >"$WORK/dockerignore-without-build"
expect_failure dockerignore "does not exclude build*/" '' "$WORK/dockerignore-without-build"
if [ "$apt_check" = 1 ]; then
  expect_failure apt_missing "apt package libdnnl3 is not in the apt sources" 's/ libdnnl2 / libdnnl3 /' "$dockerignore" 1
  echo "dockerfile lint: OK (15 broken copies refused)"
else
  echo "SKIP: apt-cache with Debian 12 (bookworm) sources is needed to check the package names; the other rules pass"
  exit $SKIP
fi
