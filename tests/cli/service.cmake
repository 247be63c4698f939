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
facefuse_cli_test(NAME cli.serve.negative_repeat_is_refused EXIT 2
  MATCHES "serve: --repeat must be a finite number of seconds >= 0, got -5" NOT_MATCHES "metrics at"
  COMMAND ${FACEFUSE_BIN} serve --metrics-port 0 --repeat=-5 --duration 1)
