#!/usr/bin/env bash
# Builds one check-model case folder for the CLI tests: a copy of a real case (model.onnx and test_data_set_0)
# damaged in one way, or a folder with no case at all.
#   check_model_case.sh KIND SOURCE_CASE DEST
# KIND: intact (the copy, unchanged), truncated_output, truncated_input (cut to half their size), garbage_input
# (64 0xff bytes), empty_output (0 bytes), huge_index (output_<30 digits>.pb), index_gap (output_1.pb without
# output_0.pb), no_sets (no test_data_set_*), empty_folder, no_case (a subfolder with a text file, no model.onnx).
# DEST is removed first. Exits non-zero when the source files are missing or KIND is unknown.
set -euo pipefail
kind="$1" src="$2" dest="$3"
rm -rf -- "$dest"
mkdir -p -- "$dest"
case "$kind" in
  empty_folder) exit 0 ;;
  no_case) mkdir -p "$dest/sub" && echo "not a test case" >"$dest/sub/notes.txt"; exit 0 ;;
esac
set_dir="$dest/test_data_set_0"
mkdir -p "$set_dir"
cp -- "$src/model.onnx" "$dest/"
cp -- "$src/test_data_set_0/input_0.pb" "$src/test_data_set_0/output_0.pb" "$set_dir/"
chmod u+w "$dest/model.onnx" "$set_dir"/*.pb
half() { local f="$1" n; n=$(($(stat -c %s "$f") / 2)); head -c "$n" "$f" >"$f.cut" && mv "$f.cut" "$f"; }
case "$kind" in
  intact) ;;
  truncated_output) half "$set_dir/output_0.pb" ;;
  truncated_input) half "$set_dir/input_0.pb" ;;
  garbage_input) head -c 64 /dev/zero | tr '\0' '\377' >"$set_dir/input_0.pb" ;;
  empty_output) : >"$set_dir/output_0.pb" ;;
  huge_index) mv "$set_dir/output_0.pb" "$set_dir/output_$(printf '9%.0s' {1..30}).pb" ;;
  index_gap) mv "$set_dir/output_0.pb" "$set_dir/output_1.pb" ;;
  no_sets) rm -rf -- "$set_dir" ;;
  *) echo "check_model_case.sh: unknown kind '$kind'" >&2; exit 2 ;;
esac
