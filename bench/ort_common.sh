# Shared by the scripts that compare facefuse with ONNX Runtime (compare_ort.sh, compare_startup.sh,
# compare_batch.sh); sourced after they set `repo`. Sets the paths every one of them takes from the environment
# (FACEFUSE_BIN, ORT_NODE_PREFIX, FIXTURES_DIR) and die(), which names the script.

facefuse_bin="${FACEFUSE_BIN:-$repo/build/src/facefuse}"
ort_prefix="${ORT_NODE_PREFIX:-$HOME/ort-node}"
fixtures="${FIXTURES_DIR:-$repo/../shared/fixtures}"
ort_tool="$fixtures/tools/ort_reference.mjs"

die() { echo "$(basename "$0"): $*" >&2; exit 2; }

# facefuse bench-model's --threads range, less 0 ("all cores": the peer needs the number itself).
readonly max_threads=8

# Exits through die() unless setting $1's value $2 lists thread counts from 1 to $max_threads (at least one).
check_thread_list() {
  local t
  [[ -n "${2// /}" ]] || die "$1 must list thread counts from 1 to $max_threads, got '$2'"
  for t in $2; do
    [[ "$t" =~ ^[1-9][0-9]*$ && "$t" -le $max_threads ]] ||
      die "$1 must list whole numbers from 1 to $max_threads (facefuse's --threads range), got '$t'"
  done
}

# Exits through die() unless setting $1's value $2 is a whole number from 1 to 999999.
check_count() {
  [[ "$2" =~ ^[1-9][0-9]{0,5}$ ]] || die "$1 must be a whole number from 1, got '$2'"
}

# Why a facefuse run failed: the last line of its stderr file $1 that is not CLI11's "Run with --help" footer.
failure_reason() {
  grep -v '^Run with --help' "$1" | tail -n 1
}

# Exits through die() unless node, the facefuse binary and onnxruntime-node under $ort_prefix are there.
check_ort_setup() {
  command -v node >/dev/null || die "node is not installed (needed to run ONNX Runtime)"
  [[ -x "$facefuse_bin" ]] || die "facefuse binary not found at $facefuse_bin (build it, or set FACEFUSE_BIN)"
  if [[ ! -f "$ort_prefix/node_modules/onnxruntime-node/package.json" ]]; then
    die "ONNX Runtime is not installed under $ort_prefix. Install it (outside the repo) with:
  npm install --prefix \"$ort_prefix\" onnxruntime-node@1.30.0 --ignore-scripts
or point ORT_NODE_PREFIX at an existing install."
  fi
}

# Sets model_dirs to the arguments, or else to every folder with a model.onnx under $fixtures/models.
collect_model_dirs() {
  if [[ $# -gt 0 ]]; then
    model_dirs=("$@")
  else
    model_dirs=()
    for f in "$fixtures"/models/*/model.onnx; do [[ -f "$f" ]] && model_dirs+=("$(dirname "$f")"); done
  fi
  [[ ${#model_dirs[@]} -gt 0 ]] || die "no model folders (none under $fixtures/models, none given)"
}

# Field `path` (dot-separated) of the JSON object on stdin; empty when absent.
json_field() {
  node -e '
    let v; try { v = JSON.parse(require("fs").readFileSync(0, "utf8")); } catch (e) { process.exit(0); }
    for (const k of process.argv[1].split(".")) { if (v == null) break; v = v[k]; }
    if (v != null) console.log(typeof v === "number" ? v.toFixed(3) : String(v));' "$1"
}
