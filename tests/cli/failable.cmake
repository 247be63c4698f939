# check-model fails loudly: a folder without a test case is an error (exit 2), a damaged case (corrupt, truncated
# or misnumbered .pb data, no test set) is a FAIL naming the file (exit 1), and UNSUPPORTED is only given for a
# limit docs/ops.md lists; `facefuse ops` still prints docs/ops.md exactly. Included from CMakeLists.txt.
set(PFLD_CASE ${FIXTURES}/models/pfld_68)
set(CHECK_MODEL_CASE ${CMAKE_CURRENT_SOURCE_DIR}/check_model_case.sh)
set(ONNX_NODE_CASES /usr/share/libonnx-testdata/data/node)

# check-model over the folder check_model_case.sh builds as `kind` (from pfld_68's first test set); the remaining
# arguments are facefuse_cli_test checks. One kernel thread: the test machines are small and shared.
function(check_model_case_test kind exit)
  set(dest ${OUT}/check_model_${kind})
  facefuse_cli_test(NAME cli.check_model.${kind} EXIT ${exit} ${ARGN}
    COMMAND bash -c "${CHECK_MODEL_CASE} ${kind} ${PFLD_CASE} ${dest} && exec $<TARGET_FILE:facefuse> check-model --threads 1 ${dest}")
endfunction()

# The real fixture case passes, and so does the untouched copy the damaged cases start from.
facefuse_cli_test(NAME cli.check_model.fixture_case_passes EXIT 0 NEEDS ${PFLD_CASE}/model.onnx
  MATCHES "PASS [^\n]*pfld_68 2 set\\(s\\), max_abs" "\n1 passed, 0 failed, 0 skipped\n"
  COMMAND $<TARGET_FILE:facefuse> check-model --threads 1 ${PFLD_CASE})
check_model_case_test(intact 0 NEEDS ${PFLD_CASE}/model.onnx
  MATCHES "PASS [^\n]*check_model_intact 1 set\\(s\\)" "\n1 passed, 0 failed, 0 skipped\n")

# Damaged test data: FAIL, naming the file; never PASS, UNSUPPORTED or a crash.
check_model_case_test(truncated_output 1 NEEDS ${PFLD_CASE}/model.onnx
  MATCHES "FAIL [^\n]*test_data_set_0/output_0.pb is not a serialized TensorProto" "\n0 passed, 1 failed, 0 skipped\n")
check_model_case_test(truncated_input 1 NEEDS ${PFLD_CASE}/model.onnx
  MATCHES "FAIL [^\n]*test_data_set_0/input_0.pb" "\n0 passed, 1 failed, 0 skipped\n")
check_model_case_test(garbage_input 1 NEEDS ${PFLD_CASE}/model.onnx
  MATCHES "FAIL [^\n]*test_data_set_0/input_0.pb is not a serialized TensorProto" "\n0 passed, 1 failed, 0 skipped\n")
# A 0-byte .pb parses as a TensorProto of dtype undefined: an Unsupported error that docs/ops.md does not list.
check_model_case_test(empty_output 1 NEEDS ${PFLD_CASE}/model.onnx
  MATCHES "FAIL [^\n]*output_0.pb: tensor '' has unsupported data type undefined \\x5bnot a limit docs/ops.md lists"
          "\n0 passed, 1 failed, 0 skipped\n")
check_model_case_test(huge_index 1 NEEDS ${PFLD_CASE}/model.onnx
  MATCHES "FAIL [^\n]*output_9{30}\\.pb: test data index out of range" "\n0 passed, 1 failed, 0 skipped\n"
  NOT_MATCHES "unexpected error")
check_model_case_test(index_gap 1 NEEDS ${PFLD_CASE}/model.onnx
  MATCHES "FAIL [^\n]*output_0.pb is missing \\(output_1.pb exists\\)")
check_model_case_test(no_sets 1 NEEDS ${PFLD_CASE}/model.onnx
  MATCHES "FAIL [^\n]*check_model_no_sets has no test_data_set_\\* folder")

# No case at all is an error, not "0 passed".
check_model_case_test(empty_folder 2
  MATCHES "check-model: no test case \\(a folder with model.onnx\\) in [^\n]*check_model_empty_folder"
  NOT_MATCHES "passed")
check_model_case_test(no_case 2
  MATCHES "check-model: no test case \\(a folder with model.onnx\\) in [^\n]*check_model_no_case" NOT_MATCHES "passed")

# UNSUPPORTED names the docs/ops.md limit it is: an op outside the table, a dtype its dtypes cell does not name,
# a non-tensor graph input.
facefuse_cli_test(NAME cli.check_model.listed_limits_are_unsupported EXIT 0
  NEEDS ${ONNX_NODE_CASES}/test_tril ${ONNX_NODE_CASES}/test_add_uint8 ${ONNX_NODE_CASES}/test_identity_sequence
  MATCHES "UNSUPPORTED [^\n]*test_add_uint8 [^\n]*\\x5bAdd takes no uint8 "
          "UNSUPPORTED [^\n]*test_identity_sequence [^\n]*graph input 'x' is not a tensor \\(sequence\\) \\x5bmodel: "
          "UNSUPPORTED [^\n]*test_tril [^\n]*\\x5bop Trilu is not in the operator table"
          "\n0 passed, 0 failed, 3 skipped\n"
  COMMAND $<TARGET_FILE:facefuse> check-model --threads 1 ${ONNX_NODE_CASES}/test_add_uint8
          ${ONNX_NODE_CASES}/test_identity_sequence ${ONNX_NODE_CASES}/test_tril)

# docs/ops.md is `facefuse ops`, byte for byte (the limits check-model accepts included).
facefuse_cli_test(NAME cli.ops.prints_docs_ops_md EXIT 0
  COMMAND bash -c "set -o pipefail; $<TARGET_FILE:facefuse> ops | diff -u ${PROJECT_SOURCE_DIR}/docs/ops.md -")

# A missing fixture fails under CI=true and is skipped elsewhere, in every kind of test: a gtest through
# FF_REQUIRE_FIXTURES (tests/unit/fixtures_dir.h), an observability script through fixture_images (common.sh) and a
# conformance run through check_counts.sh. FACEFUSE_FIXTURES_DIR points the first two at a folder that is not there.
set(NO_FIXTURES ${OUT}/no-such-fixtures)
facefuse_cli_test(NAME cli.fixtures.gtest_fails_under_ci EXIT 1
  ENV CI=true FACEFUSE_FIXTURES_DIR=${NO_FIXTURES}
  MATCHES "fixture missing: \"[^\"]*no-such-fixtures/media/images\" \\(CI=true: the fixtures must be present\\)"
          "FAILED  \\x5d ImageFiles.RealPhotosLoadAsBgr"
  COMMAND $<TARGET_FILE:test-unit> --gtest_filter=ImageFiles.RealPhotosLoadAsBgr)
facefuse_cli_test(NAME cli.fixtures.gtest_skips_elsewhere EXIT 0
  ENV CI=false FACEFUSE_FIXTURES_DIR=${NO_FIXTURES}
  MATCHES "SKIPPED \\x5d ImageFiles.RealPhotosLoadAsBgr" NOT_MATCHES "FAILED"
  COMMAND $<TARGET_FILE:test-unit> --gtest_filter=ImageFiles.RealPhotosLoadAsBgr)
facefuse_cli_test(NAME cli.fixtures.observability_fails_under_ci EXIT 1
  ENV CI=true FACEFUSE_FIXTURES_DIR=${NO_FIXTURES}
  MATCHES "FAIL: fixture missing: no fixture images in [^\n]*no-such-fixtures/media/images \\(CI=true"
  COMMAND bash ${PROJECT_SOURCE_DIR}/tests/observability/test_gpu_report_cli.sh $<TARGET_FILE:facefuse>
          ${PROJECT_SOURCE_DIR} $<TARGET_FILE:fake_nvml>)
facefuse_cli_test(NAME cli.fixtures.observability_skips_elsewhere EXIT 77
  ENV CI=false FACEFUSE_FIXTURES_DIR=${NO_FIXTURES}
  MATCHES "SKIP: fixture missing: no fixture images in "
  COMMAND bash ${PROJECT_SOURCE_DIR}/tests/observability/test_gpu_report_cli.sh $<TARGET_FILE:facefuse>
          ${PROJECT_SOURCE_DIR} $<TARGET_FILE:fake_nvml>)
facefuse_cli_test(NAME cli.fixtures.conformance_fails_under_ci EXIT 1 ENV CI=true
  MATCHES "FAIL: [^\n]*no-such-fixtures/models not found \\(CI=true"
  COMMAND ${PROJECT_SOURCE_DIR}/tests/conformance/check_counts.sh $<TARGET_FILE:facefuse> ${NO_FIXTURES}/models 9 0)
