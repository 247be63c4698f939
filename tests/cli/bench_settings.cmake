# The comparison scripts in bench/ refuse a bad setting or argument up front (exit 2, naming it), before anything
# is built or measured: a thread count facefuse does not take, a count of 0, a list that is empty.
set(BENCH ${PROJECT_SOURCE_DIR}/bench)
set(BENCH_ENV FACEFUSE_BIN=$<TARGET_FILE:facefuse>)
foreach(case
    "ort_threads_over_facefuse_range|compare_ort.sh|BENCH_THREADS=99|BENCH_THREADS must list whole numbers from 1 to 8.*got '99'"
    "ort_threads_empty|compare_ort.sh|BENCH_THREADS= |BENCH_THREADS must list thread counts from 1 to 8, got ' '"
    "ort_rounds_zero|compare_ort.sh|BENCH_ROUNDS=0|BENCH_ROUNDS must be a whole number from 1, got '0'"
    "startup_repeats_zero|compare_startup.sh|BENCH_REPEATS=0|BENCH_REPEATS must be a whole number from 1, got '0'"
    "startup_threads_list|compare_startup.sh|BENCH_THREADS=1 2|BENCH_THREADS must be one whole number from 1 to 8, got '1 2'"
    "startup_threads_zero|compare_startup.sh|BENCH_THREADS=0|BENCH_THREADS must list whole numbers from 1 to 8.*got '0'"
    "batch_threads_word|compare_batch.sh|BENCH_THREADS=abc|BENCH_THREADS must list whole numbers from 1 to 8.*got 'abc'"
    "batch_runs_zero|compare_batch.sh|RECOGNIZER_RUNS=0|RECOGNIZER_RUNS must be a whole number from 1, got '0'")
  string(REPLACE "|" ";" fields "${case}")
  list(GET fields 0 name)
  list(GET fields 1 script)
  list(GET fields 2 setting)
  list(GET fields 3 message)
  facefuse_cli_test(NAME cli.bench.${name} EXIT 2 TIMEOUT 20 ENV ${BENCH_ENV} "${setting}"
    MATCHES "${script}: ${message}" COMMAND ${BENCH}/${script})
endforeach()
facefuse_cli_test(NAME cli.bench.batch_takes_no_arguments EXIT 2 TIMEOUT 20 ENV ${BENCH_ENV}
  MATCHES "compare_batch.sh: takes no arguments .*got '/nonexistent'" COMMAND ${BENCH}/compare_batch.sh /nonexistent)
