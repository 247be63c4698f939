#!/usr/bin/env bash
# docs/openapi.yaml lists exactly the routes the server registers: every http.Get/Post/Put/Patch/Delete/Options
# registration in src/server/*.cpp is a path of the file with that method, and every path and method of the file is
# registered. Route regexes are read as paths: a capture ([^/]+) is a {parameter} (any name), "\." is ".", and an
# alternation (csv|svg|png) is one path each. bash, grep, sed, awk and sort only (no python3 or yq).
# Usage: openapi_routes.sh SOURCE_DIR [OPENAPI_YAML (default: SOURCE_DIR/docs/openapi.yaml)]
set -euo pipefail
SOURCE_DIR=$1
OPENAPI=${2:-$SOURCE_DIR/docs/openapi.yaml}
fail() { echo "FAIL: $*" >&2; exit 1; }
[ -r "$OPENAPI" ] || fail "cannot read $OPENAPI"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# "METHOD path" with each {parameter} written {} and each (a|b) alternation expanded.
expand() {
  local line=$1
  if [[ $line =~ ^(.*)\(([^()]*\|[^()]*)\)(.*)$ ]]; then
    local head=${BASH_REMATCH[1]} alternatives=${BASH_REMATCH[2]} tail=${BASH_REMATCH[3]} choice
    IFS='|' read -ra choices <<<"$alternatives"
    for choice in "${choices[@]}"; do expand "$head$choice$tail"; done
  else
    echo "$line"
  fi
}

# The server's registrations: http.Get("/path", ...) or http.Get(R"(/regex)", ...), the path on the call's line.
registrations=$(grep -hE '\bhttp\.(Get|Post|Put|Patch|Delete|Options)\(' "$SOURCE_DIR"/src/server/*.cpp) ||
  fail "no route registrations found in $SOURCE_DIR/src/server/*.cpp"
while IFS= read -r call; do
  method=$(sed -E 's/.*\bhttp\.([A-Za-z]+)\(.*/\1/' <<<"$call" | tr '[:lower:]' '[:upper:]')
  if [[ $call =~ http\.[A-Za-z]+\(R\"\((.*)\)\" ]]; then
    path=${BASH_REMATCH[1]}
    path=${path%%)\"*}
  elif [[ $call =~ http\.[A-Za-z]+\(\"([^\"]*)\" ]]; then
    path=${BASH_REMATCH[1]}
  else
    fail "cannot read the path of this registration (keep the path on the call's line): $call"
  fi
  path=${path//\(\[^\/\]+\)/\{\}}
  path=${path//\\./.}
  expand "$method $path"
done <<<"$registrations" | sort -u >"$WORK/server"

# The file's paths and methods: keys under the top-level "paths:" at two and four spaces.
awk '
  /^[^ #]/ { in_paths = ($0 ~ /^paths:[ \t]*$/); next }
  !in_paths { next }
  /^  [^ #]/ {
    path = $0; sub(/^  /, "", path); sub(/:[ \t]*$/, "", path); gsub(/["\047]/, "", path)
    gsub(/\{[^}]*\}/, "{}", path); next
  }
  /^    (get|put|post|delete|options|head|patch|trace):/ {
    method = $0; sub(/^    /, "", method); sub(/:.*/, "", method)
    print toupper(method) " " path
  }
' "$OPENAPI" | sort -u >"$WORK/documented"
[ -s "$WORK/documented" ] || fail "no paths found in $OPENAPI"

undocumented=$(comm -23 "$WORK/server" "$WORK/documented")
unregistered=$(comm -13 "$WORK/server" "$WORK/documented")
[ -z "$undocumented" ] || echo "FAIL: registered by the server but not in $OPENAPI:"$'\n'"$undocumented" >&2
[ -z "$unregistered" ] || echo "FAIL: in $OPENAPI but not registered by the server:"$'\n'"$unregistered" >&2
[ -z "$undocumented$unregistered" ] || exit 1
echo "ok: $(wc -l <"$WORK/server") routes, each registered and documented"
