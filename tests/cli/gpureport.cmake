# The GPU report, monitor and run metrics through the CLI (the observability tests in tests/observability check
# the files' contents with the fake NVML).
set(FACEFUSE_BIN $<TARGET_FILE:facefuse>)

# --count 0 used to run forever; 0 and negative counts are refused, leaving it out runs until interrupted.
facefuse_cli_test(NAME cli.monitor.count_zero_is_refused EXIT 2
  MATCHES "--count must be at least 1 \\(0 given\\)"
  COMMAND ${FACEFUSE_BIN} monitor --count 0 --interval 0.05)
facefuse_cli_test(NAME cli.monitor.negative_count_is_refused EXIT 2
  MATCHES "--count must be at least 1 \\(-2 given\\)"
  COMMAND ${FACEFUSE_BIN} monitor --count -2 --interval 0.05)

# Without NVML, job --gpu-report still writes all four files and says why there is no advice.
facefuse_cli_test(NAME cli.job.gpu_report_without_gpu_writes_the_report EXIT 0 NEEDS ${FIXTURE_IMAGES}/obama.jpg
  ENV FACEFUSE_NVML_LIBRARY=/nonexistent/libnvidia-ml.so.1
  MATCHES "GPU metrics unavailable" "GPU: no samples \\(no GPU" "GPU report: "
  CREATES ${OUT}/nogpu.json ${OUT}/nogpu.gpu.csv ${OUT}/nogpu.gpu.svg ${OUT}/nogpu.gpu.txt
  CREATES_IMAGE ${OUT}/nogpu.gpu.png
  COMMAND ${FACEFUSE_BIN} job ${FIXTURE_IMAGES}/obama.jpg --threads 2 --gpu-report --output ${OUT}/nogpu.json)

# swap takes the same report options as job and checks them before any model is opened.
facefuse_cli_test(NAME cli.swap.gpu_report_bad_interval_is_refused EXIT 2 NEEDS ${FIXTURE_IMAGES}/obama.jpg
  ENV FACEFUSE_NVML_LIBRARY=/nonexistent/libnvidia-ml.so.1
  MATCHES "--interval: 0 is outside 0\\.01\\.\\.[0-9]+: too small"
  ABSENT ${OUT}/never_gpu.png ${OUT}/never_gpu.gpu.csv
  COMMAND ${FACEFUSE_BIN} swap --threads 2 -s ${FIXTURE_IMAGES}/obama.jpg -t ${FIXTURE_IMAGES}/biden.jpg
          -o ${OUT}/never_gpu.png --gpu-report --interval 0)

# --interval is checked even without --gpu-report (never accepted and ignored).
facefuse_cli_test(NAME cli.job.bad_interval_is_refused_without_gpu_report EXIT 2
  MATCHES "--interval: 0 is outside 0\\.01\\.\\.[0-9]+: too small" ABSENT ${OUT}/never_job.json
  COMMAND ${FACEFUSE_BIN} job ${PROJECT_SOURCE_DIR}/README.md --interval 0 --output ${OUT}/never_job.json)
