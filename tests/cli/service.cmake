# The service commands under bad input: serve, bench-model, job, models. Included from tests/cli/CMakeLists.txt.
set(FACEFUSE_BIN $<TARGET_FILE:facefuse>)

# serve: 10 idle connections leave /metrics answering within 1 s and are dropped after ~5 s; a port already
# taken is refused with the address, the port and the reason.
add_test(NAME cli.serve.idle_connections_and_port_in_use
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/serve_idle_connections.sh $<TARGET_FILE:facefuse> ${PROJECT_SOURCE_DIR})
set_tests_properties(cli.serve.idle_connections_and_port_in_use PROPERTIES LABELS "cli;observability" TIMEOUT 60)

# serve: a negative, nan or infinite duration is refused before anything starts.
foreach(bad -1 nan inf)
  facefuse_cli_test(NAME cli.serve.duration_${bad}_is_refused EXIT 2
    MATCHES "serve: --duration must be a finite number of seconds >= 0, got -?(1|nan|inf)"
    NOT_MATCHES "metrics at"
    COMMAND ${FACEFUSE_BIN} serve --metrics-port 0 --duration=${bad})
endforeach()
facefuse_cli_test(NAME cli.serve.port_out_of_range_is_refused EXIT 2
  MATCHES "serve: --metrics-port must be 0..65535, got 70000" NOT_MATCHES "metrics at"
  COMMAND ${FACEFUSE_BIN} serve --metrics-port 70000 --duration 1)
# --interval: one bound and one message for every refused value (-5 said ">= 0", 0 said "at least 0.01").
foreach(bad -5 0 nan)
  facefuse_cli_test(NAME cli.serve.interval_${bad}_is_refused EXIT 2
    MATCHES "--interval: (${bad} is outside 0\\.01\\.\\.86400: too small|nan is not a finite number)"
    NOT_MATCHES "metrics at"
    COMMAND ${FACEFUSE_BIN} serve --metrics-port 0 --interval=${bad} --duration 1)
endforeach()
facefuse_cli_test(NAME cli.serve.negative_repeat_is_refused EXIT 2
  MATCHES "serve: --repeat must be a finite number of seconds >= 0, got -5" NOT_MATCHES "metrics at"
  COMMAND ${FACEFUSE_BIN} serve --metrics-port 0 --repeat=-5 --duration 1)

# bench-model: every numeric option is range-checked before the model loads (exit 2, the option named);
# --runs 0 used to run once and --profile -3 to skip the profile silently.
set(BUNDLED_YUNET ${PROJECT_SOURCE_DIR}/models/face_detection_yunet_2023mar.onnx)
foreach(case "runs;0;--runs must be 1..1000000, got 0" "runs;-5;--runs must be 1..1000000, got -5"
             "warmup;-1;--warmup must be 0..1000000, got -1" "batch;0;--batch must be 1..4096, got 0"
             "batch;5000;--batch must be 1..4096, got 5000" "profile;-3;--profile must be 0..1000000, got -3")
  list(GET case 0 option)
  list(GET case 1 value)
  list(GET case 2 message)
  facefuse_cli_test(NAME cli.bench_model.${option}_${value}_is_refused EXIT 2
    MATCHES "bench-model: ${message}\n" NOT_MATCHES "median"
    COMMAND ${FACEFUSE_BIN} bench-model ${BUNDLED_YUNET} --${option}=${value})
endforeach()
# --data: an input index beyond int, a gap in the indices, an index given twice, a folder without inputs and a
# missing folder are named errors (std::stoi used to throw out of the command).
set(BENCH_DATA ${CMAKE_CURRENT_BINARY_DIR}/bench-data)
file(WRITE ${BENCH_DATA}/huge-index/input_99999999999.pb "not read: the index is refused first")
file(WRITE ${BENCH_DATA}/gap/input_1.pb "not read: the gap is refused first")
file(WRITE ${BENCH_DATA}/twice/input_0.pb "not read: the second input 0 is refused first")
file(WRITE ${BENCH_DATA}/twice/input_00.pb "not read: the second input 0 is refused first")
file(MAKE_DIRECTORY ${BENCH_DATA}/empty)
foreach(case "huge-index;input index out of range in input_99999999999.pb" "gap;input_1.pb but no input_0.pb"
             "twice;input_0+\\.pb and input_0+\\.pb are both input 0"
             "empty;no input_N.pb files" "missing;cannot read the folder: No such file or directory")
  list(GET case 0 dir)
  list(GET case 1 message)
  facefuse_cli_test(NAME cli.bench_model.data_${dir}_is_an_error EXIT 1
    MATCHES "bench-model: [A-Za-z]+: --data ${BENCH_DATA}/${dir}: ${message}" NOT_MATCHES "median|unexpected error"
    COMMAND ${FACEFUSE_BIN} bench-model ${BUNDLED_YUNET} --data ${BENCH_DATA}/${dir} --runs 1 --warmup 0)
endforeach()

# job --output: a folder, a missing folder and a file in the way are refused before the job runs, with the reason
# (exit 2, no job line); a write that fails afterwards (a full device) names the file and the reason (exit 1).
file(MAKE_DIRECTORY ${OUT}/job-output-dir)
file(WRITE ${OUT}/job-output-file "a file, not a folder\n")
foreach(case "dir;${OUT}/job-output-dir;it is a folder" "missing_folder;${OUT}/no-such-folder/job.json;the folder .* does not exist"
             "file_as_folder;${OUT}/job-output-file/job.json;the folder .* does not exist")
  list(GET case 0 name)
  list(GET case 1 output)
  list(GET case 2 reason)
  facefuse_cli_test(NAME cli.job.output_${name}_is_refused_up_front EXIT 2 NEEDS ${FIXTURE_IMAGES}
    MATCHES "job: InvalidArgument: --output: cannot write ${output}: ${reason}" NOT_MATCHES "detect job:"
    COMMAND ${FACEFUSE_BIN} job ${FIXTURE_IMAGES}/obama_small.jpg --threads 2 --output ${output})
endforeach()
facefuse_cli_test(NAME cli.job.output_write_failure_gives_the_reason EXIT 1 NEEDS ${FIXTURE_IMAGES} /dev/full
  MATCHES "detect job: 1 image.*: success" "job: IoError: cannot write /dev/full: No space left on device"
  COMMAND ${FACEFUSE_BIN} job ${FIXTURE_IMAGES}/obama_small.jpg --threads 2 --output /dev/full)

# models list / verify: a 0-byte or truncated file is "incomplete", not "installed", and says how to replace it;
# a file whose size the catalog does not pin is "unverified"; verify of a 0-byte file fails with the reason.
set(BAD_MODELS ${OUT}/bad-models)
file(REMOVE_RECURSE ${BAD_MODELS})
file(WRITE ${BAD_MODELS}/inswapper_128.onnx "")
file(WRITE ${BAD_MODELS}/gfpgan_1.4.onnx "the first bytes of a 340 MB file")
file(WRITE ${BAD_MODELS}/codeformer.onnx "some bytes")
facefuse_cli_test(NAME cli.models.list_calls_empty_and_truncated_files_incomplete EXIT 0
  MATCHES "\ninswapper_128 +swapper +\\? +incomplete " "\ngfpgan_1.4 +enhancer +324.5 MB +incomplete "
          "\ncodeformer +enhancer +\\? +unverified "
          "model inswapper_128 at ${BAD_MODELS}/inswapper_128.onnx is incomplete: 0 bytes.*facefuse models download inswapper_128"
          "gfpgan_1.4.onnx is incomplete: 32 bytes, the catalog says 340299087"
  NOT_MATCHES "(inswapper_128|gfpgan_1.4) +[a-z]+ +[?0-9. kMB]+ +installed"
  COMMAND ${FACEFUSE_BIN} models list --models-dir ${BAD_MODELS})
facefuse_cli_test(NAME cli.models.verify_of_an_empty_file_fails EXIT 1
  MATCHES "BAD +inswapper_128 +model inswapper_128 at ${BAD_MODELS}/inswapper_128.onnx is incomplete: 0 bytes"
  NOT_MATCHES "\nok "
  COMMAND ${FACEFUSE_BIN} models verify inswapper_128 --models-dir ${BAD_MODELS})
facefuse_cli_test(NAME cli.models.verify_all_reports_incomplete_files EXIT 1
  MATCHES "BAD +inswapper_128 " "BAD +gfpgan_1.4 " "unpinned +codeformer " "MISMATCHES or incomplete files found"
  COMMAND ${FACEFUSE_BIN} models verify --models-dir ${BAD_MODELS})
facefuse_cli_test(NAME cli.models.path_of_an_empty_file_is_an_error EXIT 1
  MATCHES "models: model inswapper_128 at ${BAD_MODELS}/inswapper_128.onnx is incomplete"
  COMMAND ${FACEFUSE_BIN} models path inswapper_128 --models-dir ${BAD_MODELS})

# serve --port (the job API): a port out of range, an upload limit out of range or a --data-dir that cannot be
# the jobs folder is refused before anything listens; the API starts and stops cleanly on a free port.
foreach(case "port_70000;--port=70000;--port must be 0..65535, got 70000"
             "port_negative;--port=-1;--port must be 0..65535, got -1"
             "max_upload_0;--port=0 --max-upload-mb=0;--max-upload-mb must be 1..65536, got 0"
             "data_dir_a_file;--port=0 --data-dir=${PROJECT_SOURCE_DIR}/README.md;--data-dir .*README.md: Not a directory")
  list(GET case 0 id)
  list(GET case 1 options)
  list(GET case 2 message)
  separate_arguments(options)
  facefuse_cli_test(NAME cli.serve.api_${id}_is_refused EXIT 2
    MATCHES "serve: ${message}" NOT_MATCHES "job API at|metrics at"
    COMMAND ${FACEFUSE_BIN} serve ${options} --duration 1)
endforeach()
facefuse_cli_test(NAME cli.serve.api_starts_and_stops EXIT 0
  MATCHES "job API at http://127\\.0\\.0\\.1:[0-9]+ \\(data in " "stopped after 0 job" NOT_MATCHES "metrics at"
  COMMAND ${FACEFUSE_BIN} serve --port 0 --duration 0.3)

# serve's job store: SIGKILL with jobs waiting and one running, then a restart on the same data dir: every job
# succeeds, the interrupted one runs again once, the orphan upload folder is swept, a second serve is refused.
add_test(NAME service.crash_restart
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/serve_crash_restart.sh $<TARGET_FILE:facefuse> ${PROJECT_SOURCE_DIR})
set_tests_properties(service.crash_restart PROPERTIES LABELS "cli;service" TIMEOUT 240 SKIP_RETURN_CODE 77)

# serve beyond loopback needs authentication, or --no-auth said out loud; a keys file with a short key is refused.
facefuse_cli_test(NAME service.bind_beyond_loopback_needs_auth EXIT 2
  MATCHES "--bind 0\\.0\\.0\\.0 serves beyond this machine: give --api-keys-file and/or --jwt-secret-file, or --no-auth"
  NOT_MATCHES "job API at"
  COMMAND ${FACEFUSE_BIN} serve --port 0 --bind 0.0.0.0 --duration 1)
file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/short-key.txt "alice:short\n")
facefuse_cli_test(NAME service.api_keys_file_with_a_short_key_is_refused EXIT 1
  MATCHES "short-key\\.txt:1: the key of alice is shorter than 16 characters" NOT_MATCHES "job API at"
  COMMAND ${FACEFUSE_BIN} serve --port 0 --api-keys-file ${CMAKE_CURRENT_BINARY_DIR}/short-key.txt --duration 1)

# serve over HTTPS with a certificate made by openssl; a mismatched key and a lone --tls-cert are refused.
add_test(NAME service.tls COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/serve_tls.sh $<TARGET_FILE:facefuse> ${PROJECT_SOURCE_DIR})
set_tests_properties(service.tls PROPERTIES LABELS "cli;service" TIMEOUT 60 SKIP_RETURN_CODE 77)

# serve --port: 11 idle half-open connections (nothing sent, half a header, an upload's body cut short) do not stop
# /health/live, GET /v1/jobs and /metrics answering within 1 s, nor a job submission and POST /v1/swap.
add_test(NAME service.idle_half_open_connections
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/serve_api_idle.sh $<TARGET_FILE:facefuse> ${PROJECT_SOURCE_DIR})
set_tests_properties(service.idle_half_open_connections PROPERTIES LABELS "cli;service" TIMEOUT 120 SKIP_RETURN_CODE 77)

# Two serve replicas on one Redis queue share the jobs; one killed mid-job leaves it to the other.
add_test(NAME service.redis_replicas
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/serve_redis_replicas.sh $<TARGET_FILE:facefuse> ${PROJECT_SOURCE_DIR})
set_tests_properties(service.redis_replicas PROPERTIES LABELS "cli;service" TIMEOUT 300 SKIP_RETURN_CODE 77)

# The S3 result store against s3rver (tests/s3) with two replicas: shared results, the store down, wrong
# credentials, retention (tests/cli/serve_s3_results.sh).
add_test(NAME service.s3_results
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/serve_s3_results.sh $<TARGET_FILE:facefuse> ${PROJECT_SOURCE_DIR})
set_tests_properties(service.s3_results PROPERTIES LABELS "cli;service" TIMEOUT 240 SKIP_RETURN_CODE 77)

# docs/openapi.yaml lists exactly the routes the server registers (src/server/*.cpp), both ways.
add_test(NAME service.openapi_routes COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/openapi_routes.sh ${PROJECT_SOURCE_DIR})
set_tests_properties(service.openapi_routes PROPERTIES LABELS "cli;service" TIMEOUT 30)

# --redis takes HOST:PORT: anything else is a usage error before anything starts.
facefuse_cli_test(NAME service.redis_address_is_checked EXIT 2
  MATCHES "--redis takes HOST:PORT" NOT_MATCHES "job API at"
  COMMAND ${FACEFUSE_BIN} serve --port 0 --redis garbage --duration 1)

# No personal data (file names, option values, paths, key names, credentials, addresses) in the logs or /metrics.
add_test(NAME service.log_redaction
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/serve_log_redaction.sh $<TARGET_FILE:facefuse> ${PROJECT_SOURCE_DIR})
set_tests_properties(service.log_redaction PROPERTIES LABELS "cli;service" TIMEOUT 120 SKIP_RETURN_CODE 77)
