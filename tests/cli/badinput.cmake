# Bad input: each case gives a clear error (exit 1 or 2, naming the option or file), writes nothing and leaves no
# temporary file (ABSENT also checks OUT.*), or behaves correctly. Issue 13, section 3.
set(BAD ${OUT}/badinput)
file(MAKE_DIRECTORY ${BAD})
set(OBAMA ${FIXTURE_IMAGES}/obama.jpg)
set(BIDEN ${FIXTURE_IMAGES}/biden.jpg)
set(FACEFUSE $<TARGET_FILE:facefuse>)

# Blank PNGs made at test time: 11000 x 11000 (363 MB of pixels in ~350 KB) and a small one without a face.
add_executable(make-blank-png ${PROJECT_SOURCE_DIR}/tests/tools/make_blank_png.cpp)
find_package(ZLIB REQUIRED)
target_link_libraries(make-blank-png PRIVATE ZLIB::ZLIB)
add_test(NAME cli.badinput.make_blank_pngs
         COMMAND sh -c "$<TARGET_FILE:make-blank-png> ${BAD}/blank_11000.png 11000 11000 && $<TARGET_FILE:make-blank-png> ${BAD}/blank_64.png 64 64")
set_tests_properties(cli.badinput.make_blank_pngs PROPERTIES FIXTURES_SETUP badinput_pngs LABELS cli)
function(badinput_needs_pngs)
  set_tests_properties(${ARGN} PROPERTIES FIXTURES_REQUIRED badinput_pngs)
endfunction()

# --threads: bounded to 4 x the hardware threads for every command that takes it; negative counts refused;
# checked while parsing, before any image is read (4000 hung and 100000 crashed before).
facefuse_cli_test(NAME cli.badinput.detect_threads_over_the_bound EXIT 2 NEEDS ${OBAMA}
  MATCHES "--threads: 100000 is more than 4 x the [0-9]+ hardware threads .*at most [0-9]+"
  COMMAND ${FACEFUSE} detect ${OBAMA} --threads 100000)
facefuse_cli_test(NAME cli.badinput.embed_threads_negative EXIT 2 NEEDS ${OBAMA}
  MATCHES "--threads: -1 is negative"
  COMMAND ${FACEFUSE} embed ${OBAMA} --threads -1)
facefuse_cli_test(NAME cli.badinput.swap_threads_over_the_bound EXIT 2 NEEDS ${OBAMA}
  MATCHES "--threads: 4000 is more than" ABSENT ${BAD}/threads.png
  COMMAND ${FACEFUSE} swap -s ${OBAMA} -t ${BIDEN} -o ${BAD}/threads.png --threads 4000)
facefuse_cli_test(NAME cli.badinput.job_threads_over_the_bound EXIT 2 NEEDS ${OBAMA}
  MATCHES "--threads: 100000 is more than" ABSENT ${BAD}/threads_job.json
  COMMAND ${FACEFUSE} job ${OBAMA} --output ${BAD}/threads_job.json --threads 100000)
facefuse_cli_test(NAME cli.badinput.bench_model_threads_over_the_bound EXIT 2 NEEDS ${PFLD}
  MATCHES "--threads: 100000 is more than"
  COMMAND ${FACEFUSE} bench-model ${PFLD} --threads 100000)

# Numeric options out of range, nan or inf: refused up front, naming the option (they were silently ignored).
set(SWAP_BAD ${FACEFUSE} swap --threads 2 -s ${OBAMA} -t ${BIDEN} -o ${BAD}/range.png)
foreach(case
    "mask_blur_negative|--mask-blur|-1|--mask-blur: -1 is outside 0..1"
    "mask_blur_nan|--mask-blur|nan|--mask-blur: nan is not a finite number"
    "mask_padding_negative|--mask-padding|-50|--mask-padding: -50 is outside 0..100"
    "mask_padding_nan|--mask-padding|1,2,nan,3|--mask-padding: nan is outside 0..100"
    "pixel_boost_zero|--pixel-boost|0|--pixel-boost: 0 is outside 1..8"
    "pixel_boost_huge|--pixel-boost|100000|--pixel-boost: 100000 is outside 1..8"
    "swapper_weight|--swapper-weight|7|--swapper-weight: 7 is outside 0..1"
    "enhancer_blend|--enhancer-blend|500|--enhancer-blend: 500 is outside 0..100"
    "detector_score_inf|--detector-score|inf|--detector-score: inf is not a finite number"
    "reference_distance_nan|--reference-distance|nan|--reference-distance: nan is not a finite number"
    "recognizer_std_zero|--recognizer-std|0|--recognizer-std: 0 is outside"
    "repeat_zero|--repeat|0|--repeat: 0 is outside 1..")
  string(REPLACE "|" ";" parts "${case}")
  list(GET parts 0 name)
  list(GET parts 1 option)
  list(GET parts 2 value)
  list(GET parts 3 message)
  facefuse_cli_test(NAME cli.badinput.swap_${name} EXIT 2 NEEDS ${OBAMA} MATCHES "${message}"
    ABSENT ${BAD}/range.png COMMAND ${SWAP_BAD} ${option} ${value})
endforeach()
facefuse_cli_test(NAME cli.badinput.detect_threshold_nan EXIT 2 NEEDS ${OBAMA}
  MATCHES "--threshold: nan is not a finite number" NOT_MATCHES "face 0"
  COMMAND ${FACEFUSE} detect ${OBAMA} --threshold nan)
facefuse_cli_test(NAME cli.badinput.detect_size_huge EXIT 2 NEEDS ${OBAMA}
  MATCHES "--detector-size: 320000 is outside 32..4096"
  COMMAND ${FACEFUSE} detect ${OBAMA} --detector-size 320000)

# Options the chosen swapper ignores are named in a warning; the swap itself goes on and writes its result.
facefuse_cli_test(NAME cli.badinput.classical_warns_about_ignored_options EXIT 0 NEEDS ${OBAMA}
  MATCHES "swap: warning: the classical swapper ignores --pixel-boost\n.*ignores --swapper-weight\n.*--enhancer-blend is ignored without --enhancer"
  CREATES_IMAGE ${BAD}/ignored.png
  COMMAND ${FACEFUSE} swap --threads 2 --swapper classical -s ${OBAMA} -t ${BIDEN} -o ${BAD}/ignored.png
          --pixel-boost 2 --swapper-weight 0.7 --enhancer-blend 10)

# The output path is checked before anything is read or computed; a refused path is a usage error (exit 2), as
# for job.
file(MAKE_DIRECTORY ${BAD}/a_folder.png)
facefuse_cli_test(NAME cli.badinput.output_is_a_folder EXIT 2 NEEDS ${OBAMA}
  MATCHES "cannot write .*a_folder.png: it is a folder" NOT_MATCHES "Internal|Success"
  COMMAND ${FACEFUSE} swap -s ${OBAMA} -t ${BIDEN} -o ${BAD}/a_folder.png)
facefuse_cli_test(NAME cli.badinput.output_folder_missing EXIT 2 NEEDS ${OBAMA}
  MATCHES "cannot write .*no_such_folder/x.png: the folder .*no_such_folder does not exist"
  COMMAND ${FACEFUSE} swap -s ${OBAMA} -t ${BIDEN} -o ${BAD}/no_such_folder/x.png)
# An unknown extension is refused before the (unreadable) target is even read.
file(WRITE ${BAD}/text.jpg "this is a text file\n")
facefuse_cli_test(NAME cli.badinput.output_extension_before_reading_inputs EXIT 2 NEEDS ${OBAMA}
  MATCHES "cannot write .*out.gif: the extension must be" NOT_MATCHES "not an image"
  ABSENT ${BAD}/out.gif
  COMMAND ${FACEFUSE} swap -s ${OBAMA} -t ${BAD}/text.jpg -o ${BAD}/out.gif)
# Output == an input, compared by filesystem identity: the same file, and the same file through a symlink.
if(EXISTS ${BIDEN})  # a checkout without ../shared still configures; the tests then fail (CI) or skip via NEEDS
  file(COPY ${BIDEN} DESTINATION ${BAD})
endif()
file(CREATE_LINK ${BAD}/biden.jpg ${BAD}/alias_of_target.jpg SYMBOLIC)
facefuse_cli_test(NAME cli.badinput.output_is_the_target EXIT 2 NEEDS ${OBAMA}
  MATCHES "the output .*biden.jpg is the input .*biden.jpg"
  COMMAND ${FACEFUSE} swap -s ${OBAMA} -t ${BAD}/biden.jpg -o ${BAD}/biden.jpg)
facefuse_cli_test(NAME cli.badinput.output_links_to_the_source EXIT 2 NEEDS ${OBAMA}
  MATCHES "the output .*alias_of_target.jpg is the input .*biden.jpg"
  COMMAND ${FACEFUSE} swap -s ${BAD}/biden.jpg -t ${OBAMA} -o ${BAD}/alias_of_target.jpg)

# Planted symlinks (at the old fixed OUT.partial and at OUT itself) never get their targets overwritten; SIGTERM,
# SIGINT and SIGHUP during a long swap leave neither the output nor a temporary file.
foreach(mode links TERM INT HUP)
  add_test(NAME cli.badinput.output_${mode}
           COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/badinput_output.sh ${mode} $<TARGET_FILE:facefuse> ${OBAMA} ${BIDEN}
                   ${BAD}/output_${mode})
  set_tests_properties(cli.badinput.output_${mode} PROPERTIES SKIP_RETURN_CODE 77 LABELS cli)
endforeach()

# Decoded images count against --memory-limit: the 11000 x 11000 PNG (350 KB) is refused from its header, before
# a pixel is decoded, naming the file and the sizes.
facefuse_cli_test(NAME cli.badinput.decoded_image_over_the_memory_limit EXIT 1 NEEDS ${OBAMA}
  MATCHES "OutOfMemory: image .*blank_11000.png: decoding 11000x11000 PNG pixels: 346.5 MiB does not fit the cpu memory budget \\(47.7 MiB limit"
  ABSENT ${BAD}/huge.png
  COMMAND ${FACEFUSE} swap --threads 2 -s ${OBAMA} -t ${BAD}/blank_11000.png -o ${BAD}/huge.png
          --memory-limit 50000000)
badinput_needs_pngs(cli.badinput.decoded_image_over_the_memory_limit)

# "no face found" names the role and the file.
facefuse_cli_test(NAME cli.badinput.faceless_reference EXIT 1 NEEDS ${OBAMA}
  MATCHES "no face found in the reference image .*blank_64.png" ABSENT ${BAD}/faceless_reference.png
  COMMAND ${FACEFUSE} swap --threads 2 -s ${OBAMA} -t ${BIDEN} -o ${BAD}/faceless_reference.png
          --selector reference --reference ${BAD}/blank_64.png)
facefuse_cli_test(NAME cli.badinput.faceless_source EXIT 1 NEEDS ${OBAMA}
  MATCHES "no face found in the source image .*blank_64.png" ABSENT ${BAD}/faceless_source.png
  COMMAND ${FACEFUSE} swap --threads 2 -s ${BAD}/blank_64.png -t ${BIDEN} -o ${BAD}/faceless_source.png)
facefuse_cli_test(NAME cli.badinput.faceless_target EXIT 1 NEEDS ${OBAMA}
  MATCHES "no face found in the target image .*blank_64.png" ABSENT ${BAD}/faceless_target.png
  COMMAND ${FACEFUSE} swap --threads 2 -s ${OBAMA} -t ${BAD}/blank_64.png -o ${BAD}/faceless_target.png)
badinput_needs_pngs(cli.badinput.faceless_reference cli.badinput.faceless_source cli.badinput.faceless_target)
# A failed swap keeps the full report of its job, as job does for a failed job: the metrics and all four GPU report
# files (it left a lone CSV header before), with the error; never the output itself.
facefuse_cli_test(NAME cli.badinput.faceless_target_keeps_the_full_report EXIT 1 NEEDS ${OBAMA}
  ENV FACEFUSE_NVML_LIBRARY=${BAD}/no-such-libnvidia-ml.so.1
  MATCHES "no face found in the target image .*blank_64.png" "GPU report: "
  CREATES ${BAD}/failed_report.prom ${BAD}/failed_report.gpu.csv ${BAD}/failed_report.gpu.svg
          ${BAD}/failed_report.gpu.txt
  CREATES_IMAGE ${BAD}/failed_report.gpu.png ABSENT ${BAD}/failed_report.png
  COMMAND ${FACEFUSE} swap --threads 2 -s ${OBAMA} -t ${BAD}/blank_64.png -o ${BAD}/failed_report.png --gpu-report
          --metrics-file ${BAD}/failed_report.prom)
badinput_needs_pngs(cli.badinput.faceless_target_keeps_the_full_report)

# libpng's warnings (astronaut.png has an sRGB profile libpng calls incorrect) no longer reach stderr.
facefuse_cli_test(NAME cli.badinput.no_libpng_warnings EXIT 0 NEEDS ${FIXTURE_IMAGES}/astronaut.png
  MATCHES "astronaut.png: 512x512, 1 face" NOT_MATCHES "libpng|iCCP"
  COMMAND ${FACEFUSE} detect ${FIXTURE_IMAGES}/astronaut.png --threads 2)

# --gpu INDEX: refused when the GPU does not exist (fake NVML: one GPU) and when there is no GPU at all.
set(FAKE_NVML ENV FACEFUSE_NVML_LIBRARY=$<TARGET_FILE:fake_nvml>)
set(NO_NVML ENV FACEFUSE_NVML_LIBRARY=${BAD}/no-such-libnvidia-ml.so.1)
facefuse_cli_test(NAME cli.badinput.monitor_gpu_out_of_range EXIT 2 ${FAKE_NVML}
  MATCHES "monitor: --gpu 99: no such GPU \\(1 found, indices 0..0\\)"
  COMMAND ${FACEFUSE} monitor --gpu 99 --count 1)
facefuse_cli_test(NAME cli.badinput.monitor_gpu_without_nvml EXIT 2 ${NO_NVML}
  MATCHES "monitor: --gpu 0: there is no GPU to report on"
  COMMAND ${FACEFUSE} monitor --gpu 0 --count 1)
facefuse_cli_test(NAME cli.badinput.job_gpu_without_nvml EXIT 2 ${NO_NVML} NEEDS ${OBAMA}
  MATCHES "job: (InvalidArgument: )?--gpu 99: there is no GPU to report on" ABSENT ${BAD}/gpu_job.json ${BAD}/gpu_job.gpu.csv
  COMMAND ${FACEFUSE} job ${OBAMA} --output ${BAD}/gpu_job.json --gpu-report --gpu 99)
facefuse_cli_test(NAME cli.badinput.job_gpu_out_of_range EXIT 2 ${FAKE_NVML} NEEDS ${OBAMA}
  MATCHES "no GPU with index 99 \\(1 found\\)|no such GPU" ABSENT ${BAD}/gpu_job_fake.json ${BAD}/gpu_job_fake.gpu.csv
  COMMAND ${FACEFUSE} job ${OBAMA} --output ${BAD}/gpu_job_fake.json --gpu-report --gpu 99)
# ... and a refused report leaves nothing behind (its CSV was created before the index was checked).
facefuse_cli_test(NAME cli.badinput.swap_gpu_out_of_range_leaves_nothing EXIT 2 ${FAKE_NVML} NEEDS ${OBAMA}
  MATCHES "--gpu 99: no such GPU" ABSENT ${BAD}/gpu_swap_fake.png ${BAD}/gpu_swap_fake.gpu.csv
  COMMAND ${FACEFUSE} swap -s ${OBAMA} -t ${BIDEN} -o ${BAD}/gpu_swap_fake.png --gpu-report --gpu 99)

# --swapper auto with a broken (0-byte) preferred swapper names the file and its download instead of silently
# falling back to the classical swapper.
file(MAKE_DIRECTORY ${OUT}/broken-models)
file(TOUCH ${OUT}/broken-models/inswapper_128.onnx)
facefuse_cli_test(NAME cli.badinput.auto_swapper_names_a_broken_file EXIT 1 NEEDS ${OBAMA}
  MATCHES "inswapper_128.*incomplete.*facefuse models download inswapper_128" ABSENT ${BAD}/auto_broken.png
  COMMAND ${FACEFUSE} swap --models-dir ${OUT}/broken-models -s ${OBAMA} -t ${OBAMA} -o ${BAD}/auto_broken.png)

# Every file a command writes (swap -o, job --output, --metrics-file, the GPU report's .gpu.csv/.svg/.png/.txt) is
# checked before any work against every input and against each other, naming the option; the inputs survive.
# The inputs are copies made by the test (they would be the casualties of a regression).
set(OUTS ${BAD}/outputs)
file(MAKE_DIRECTORY ${OUTS})
facefuse_cli_test(NAME cli.badinput.job_output_is_its_input EXIT 2 NEEDS ${OBAMA}
  MATCHES "job: InvalidArgument: --output: the output .*mine_job.jpg is the input" NOT_MATCHES "detect job:"
  CREATES_IMAGE ${OUTS}/mine_job.jpg
  COMMAND sh -c "cp ${OBAMA} ${OUTS}/mine_job.jpg && exec ${FACEFUSE} job ${OUTS}/mine_job.jpg --output ${OUTS}/mine_job.jpg")
facefuse_cli_test(NAME cli.badinput.swap_metrics_file_is_the_target EXIT 2 NEEDS ${OBAMA}
  MATCHES "--metrics-file: the output .*mine_swap.jpg is the input" ABSENT ${OUTS}/metrics_target.png
  CREATES_IMAGE ${OUTS}/mine_swap.jpg
  COMMAND sh -c "cp ${OBAMA} ${OUTS}/mine_swap.jpg && exec ${FACEFUSE} swap -s ${BIDEN} -t ${OUTS}/mine_swap.jpg -o ${OUTS}/metrics_target.png --metrics-file ${OUTS}/mine_swap.jpg")
facefuse_cli_test(NAME cli.badinput.swap_metrics_file_is_the_output EXIT 2 NEEDS ${OBAMA}
  MATCHES "--metrics-file: .*same_out.png is also the file of -o" ABSENT ${OUTS}/same_out.png
  COMMAND ${FACEFUSE} swap -s ${BIDEN} -t ${OBAMA} -o ${OUTS}/same_out.png --metrics-file ${OUTS}/same_out.png)
facefuse_cli_test(NAME cli.badinput.swap_gpu_report_is_the_target EXIT 2 NEEDS ${FIXTURE_IMAGES}/astronaut.png
  MATCHES "--gpu-report: the output .*t.gpu.png is the input .*t.gpu.png" ABSENT ${OUTS}/t.png ${OUTS}/t.gpu.csv
  CREATES_IMAGE ${OUTS}/t.gpu.png
  COMMAND sh -c "cp ${FIXTURE_IMAGES}/astronaut.png ${OUTS}/t.gpu.png && exec ${FACEFUSE} swap -s ${OBAMA} -t ${OUTS}/t.gpu.png -o ${OUTS}/t.png --gpu-report")
facefuse_cli_test(NAME cli.badinput.swap_metrics_folder_missing_up_front EXIT 2 NEEDS ${OBAMA} TIMEOUT 20
  MATCHES "--metrics-file: cannot write .*no_such_folder/m.prom: the folder .* does not exist"
  ABSENT ${OUTS}/metrics_missing.png
  COMMAND ${FACEFUSE} swap -s ${BIDEN} -t ${OBAMA} -o ${OUTS}/metrics_missing.png --metrics-file ${OUTS}/no_such_folder/m.prom)
facefuse_cli_test(NAME cli.badinput.swap_metrics_file_is_a_folder EXIT 2 NEEDS ${OBAMA}
  MATCHES "--metrics-file: cannot write ${OUTS}: it is a folder" ABSENT ${OUTS}/metrics_folder.png
  COMMAND ${FACEFUSE} swap -s ${BIDEN} -t ${OBAMA} -o ${OUTS}/metrics_folder.png --metrics-file ${OUTS})

# Inputs are checked from the file itself before a byte is read: a device or FIFO is refused by name (/dev/zero
# read to 16.8 GB before; a FIFO with no writer hung), a file over the format's limit is refused from its size
# (a sparse 2.2 GB image took 4.2 GB of memory before being refused). TIMEOUT: the refusal is immediate.
facefuse_cli_test(NAME cli.badinput.detect_dev_zero EXIT 1 TIMEOUT 20
  MATCHES "/dev/zero is not a regular file \\(a device, FIFO or socket\\)"
  COMMAND ${FACEFUSE} detect /dev/zero)
facefuse_cli_test(NAME cli.badinput.bench_model_dev_zero EXIT 1 TIMEOUT 20
  MATCHES "/dev/zero is not a regular file \\(a device, FIFO or socket\\)"
  COMMAND ${FACEFUSE} bench-model /dev/zero --runs 1)
facefuse_cli_test(NAME cli.badinput.detect_fifo_does_not_hang EXIT 1 TIMEOUT 20
  MATCHES "fifo.jpg is not a regular file \\(a device, FIFO or socket\\)"
  COMMAND sh -c "rm -f ${BAD}/fifo.jpg && mkfifo ${BAD}/fifo.jpg && exec ${FACEFUSE} detect ${BAD}/fifo.jpg")
facefuse_cli_test(NAME cli.badinput.detect_sparse_file_over_2_gb EXIT 1 TIMEOUT 20
  MATCHES "sparse.jpg is 2306867200 bytes, over the limit of 2147483647 bytes"
  COMMAND sh -c "truncate -s 2200M ${BAD}/sparse.jpg && ${FACEFUSE} detect ${BAD}/sparse.jpg; rc=$?; rm -f ${BAD}/sparse.jpg; exit $rc")

# A legal 250-byte output name works: the temporary file's name is cut to fit NAME_MAX ("File name too long" before).
string(REPEAT "n" 246 LONG_NAME)
facefuse_cli_test(NAME cli.badinput.swap_output_name_of_250_bytes EXIT 0 NEEDS ${OBAMA}
  CREATES_IMAGE ${BAD}/${LONG_NAME}.png
  COMMAND ${FACEFUSE} swap --threads 2 --swapper classical -s ${OBAMA} -t ${BIDEN} -o ${BAD}/${LONG_NAME}.png)

# An output name longer than the folder's NAME_MAX is refused before any work (it failed with "File name too long"
# at the final rename, after the whole swap).
string(REPEAT "a" 256 TOO_LONG_NAME)
facefuse_cli_test(NAME cli.badinput.swap_output_name_over_name_max EXIT 2 NEEDS ${OBAMA} TIMEOUT 20
  MATCHES "-o: cannot write .*${TOO_LONG_NAME}.png: its file name is 260 bytes, over the folder's limit of 255 bytes"
  NOT_MATCHES "File name too long"
  COMMAND ${FACEFUSE} swap --threads 2 -s ${OBAMA} -t ${BIDEN} -o ${BAD}/${TOO_LONG_NAME}.png)

# serve --bind: only a dotted-quad IPv4 address. 999.1.1.1 used to exit 0 while listening on 231.1.1.1; IPv6,
# host names and short forms got the HTTP server's "invalid port spec" text. Refused before anything listens.
foreach(addr 999.1.1.1 ::1 [::1] 127.1 example.invalid)
  string(MAKE_C_IDENTIFIER "${addr}" addr_id)
  string(REGEX REPLACE "([][.])" "\\\\\\1" addr_re "${addr}")
  facefuse_cli_test(NAME cli.badinput.serve_bind_${addr_id} EXIT 2
    MATCHES "--bind: '${addr_re}' is not an IPv4 address \\(facefuse serve listens on IPv4 only\\)"
    NOT_MATCHES "metrics at|invalid port spec"
    COMMAND ${FACEFUSE} serve --bind ${addr} --metrics-port 0 --duration 4)
endforeach()
facefuse_cli_test(NAME cli.badinput.serve_bind_ipv4_listens EXIT 0
  MATCHES "metrics at http://127\\.0\\.0\\.1:[0-9]+/metrics"
  COMMAND ${FACEFUSE} serve --bind 127.0.0.1 --metrics-port 0 --duration 0.2)

# serve's storage options: an empty --data-dir, an --results that is no s3:// URL or has no credentials, and a part
# size out of range are the command line's mistakes (exit 2), refused before anything listens.
facefuse_cli_test(NAME cli.badinput.serve_empty_data_dir EXIT 2
  MATCHES "--data-dir: an empty folder name" NOT_MATCHES "job API at"
  COMMAND sh -c "exec \"$0\" serve --port 0 --data-dir '' --duration 2" ${FACEFUSE})
facefuse_cli_test(NAME cli.badinput.serve_results_not_s3 EXIT 2
  MATCHES "--results: 'gs://bucket/x' is not an s3://BUCKET\\[/PREFIX\\] URL" NOT_MATCHES "job API at"
  COMMAND ${FACEFUSE} serve --port 0 --results gs://bucket/x --duration 2)
facefuse_cli_test(NAME cli.badinput.serve_results_no_credentials EXIT 2
  MATCHES "the result store s3://bucket/x needs credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
  NOT_MATCHES "job API at"
  COMMAND env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY ${FACEFUSE} serve --port 0 --results s3://bucket/x --duration 2)
facefuse_cli_test(NAME cli.badinput.serve_results_need_a_data_dir EXIT 2
  MATCHES "--results needs --data-dir: the temporary data dir goes when serve ends" NOT_MATCHES "job API at"
  COMMAND env AWS_ACCESS_KEY_ID=id AWS_SECRET_ACCESS_KEY=secret ${FACEFUSE} serve --port 0 --results s3://bucket/x --duration 2)
facefuse_cli_test(NAME cli.badinput.serve_results_credentials_alone EXIT 2
  MATCHES "--results-credentials is for --results s3://BUCKET\\[/PREFIX\\] \\(FACEFUSE_RESULTS\\), which is not given"
  NOT_MATCHES "job API at"
  COMMAND env -u FACEFUSE_RESULTS ${FACEFUSE} serve --port 0 --results-credentials /nonexistent --duration 2)
facefuse_cli_test(NAME cli.badinput.serve_results_part_size_nan EXIT 2
  MATCHES "--results-part-mb must be a number of MiB" NOT_MATCHES "job API at"
  COMMAND ${FACEFUSE} serve --port 0 --results s3://bucket/x --results-part-mb nan --duration 2)
facefuse_cli_test(NAME cli.badinput.serve_results_part_size EXIT 2
  MATCHES "--results-part-mb: Value 0 not in range" NOT_MATCHES "job API at"
  COMMAND ${FACEFUSE} serve --port 0 --results s3://bucket/x --results-part-mb 0 --duration 2)

# A stdout that cannot be written (a full disk: /dev/full) fails the command with exit 1 and says so; these
# commands used to exit 0 with their report lost.
set(TO_DEV_FULL sh -c "exec \"$0\" \"$@\" > /dev/full")
facefuse_cli_test(NAME cli.badinput.stdout_full_ops EXIT 1
  MATCHES "facefuse: cannot write to standard output: (No space left on device|a write failed)"
  COMMAND ${TO_DEV_FULL} ${FACEFUSE} ops)
facefuse_cli_test(NAME cli.badinput.stdout_full_models_list EXIT 1
  MATCHES "facefuse: cannot write to standard output: No space left on device"
  COMMAND ${TO_DEV_FULL} ${FACEFUSE} models list --models-dir ${BAD}/no-models)
facefuse_cli_test(NAME cli.badinput.stdout_full_detect_json EXIT 1 NEEDS ${OBAMA}
  MATCHES "facefuse: cannot write to standard output: No space left on device"
  COMMAND ${TO_DEV_FULL} ${FACEFUSE} detect ${OBAMA} --json --threads 2)
facefuse_cli_test(NAME cli.badinput.stdout_full_swap_json EXIT 1 NEEDS ${OBAMA}
  MATCHES "facefuse: cannot write to standard output: No space left on device"
  COMMAND ${TO_DEV_FULL} ${FACEFUSE} swap --threads 2 -s ${OBAMA} -t ${BIDEN} -o ${BAD}/stdout_full.png --json)

# Usage errors found while parsing: exit 2, naming the option (several exited 1, ran anyway or named no option).
set(SWAP_OK ${FACEFUSE} swap --threads 2 -s ${OBAMA} -t ${BIDEN})
facefuse_cli_test(NAME cli.badinput.swap_memory_limit_text EXIT 2 NEEDS ${OBAMA}
  MATCHES "--memory-limit: 'foo' is not a byte count" ABSENT ${BAD}/memlimit.png
  COMMAND ${SWAP_OK} -o ${BAD}/memlimit.png --memory-limit foo)
facefuse_cli_test(NAME cli.badinput.bench_model_memory_limit_text EXIT 2 NEEDS ${PFLD}
  MATCHES "--memory-limit: 'foo' is not a byte count"
  COMMAND ${FACEFUSE} bench-model ${PFLD} --memory-limit foo)
facefuse_cli_test(NAME cli.badinput.detect_size_not_a_multiple_of_32 EXIT 2 NEEDS ${OBAMA}
  MATCHES "--detector-size: 33 is not a multiple of 32"
  COMMAND ${FACEFUSE} detect ${OBAMA} --detector-size 33)
get_filename_component(PFLD_DIR ${PFLD} DIRECTORY)
facefuse_cli_test(NAME cli.badinput.check_model_rtol_nan EXIT 2 NEEDS ${PFLD}
  MATCHES "--rtol: nan is not a finite number" NOT_MATCHES "passed"
  COMMAND ${FACEFUSE} check-model ${PFLD_DIR} --rtol nan)
facefuse_cli_test(NAME cli.badinput.check_model_atol_negative EXIT 2 NEEDS ${PFLD}
  MATCHES "--atol: -1 is outside 0\\.\\.[0-9e+]+: too small" NOT_MATCHES "passed"
  COMMAND ${FACEFUSE} check-model ${PFLD_DIR} --atol -1)
facefuse_cli_test(NAME cli.badinput.check_model_unknown_provider EXIT 2 NEEDS ${PFLD}
  MATCHES "--provider: foo not in \\{cpu,reference\\}" NOT_MATCHES "passed"
  COMMAND ${FACEFUSE} check-model ${PFLD_DIR} --provider foo)
facefuse_cli_test(NAME cli.badinput.monitor_interval_too_large EXIT 2
  MATCHES "--interval: 1e300 is outside 0\\.01\\.\\.86400: too large"
  COMMAND ${FACEFUSE} monitor --interval 1e300 --count 1)
facefuse_cli_test(NAME cli.badinput.job_interval_too_large EXIT 2 NEEDS ${OBAMA}
  MATCHES "--interval: 1e300 is outside 0\\.01\\.\\.86400: too large" ABSENT ${BAD}/interval_job.json
  COMMAND ${FACEFUSE} job ${OBAMA} --output ${BAD}/interval_job.json --interval 1e300)
facefuse_cli_test(NAME cli.badinput.swap_interval_nan EXIT 2 NEEDS ${OBAMA}
  MATCHES "--interval: nan is not a finite number" ABSENT ${BAD}/interval_nan.png
  COMMAND ${SWAP_OK} -o ${BAD}/interval_nan.png --interval nan)
facefuse_cli_test(NAME cli.badinput.bench_model_empty_path EXIT 2
  MATCHES "model: the path is empty"
  COMMAND sh -c "exec \"$0\" bench-model ''" ${FACEFUSE})
# The hint names the option of the command at hand: embed and swap take --detector-model, detect --model.
facefuse_cli_test(NAME cli.badinput.embed_detector_needs_detector_model EXIT 1 NEEDS ${OBAMA}
  MATCHES "scrfd detector needs its model.*embed, swap: --detector-model FILE"
  COMMAND ${FACEFUSE} embed ${OBAMA} --detector scrfd)
facefuse_cli_test(NAME cli.badinput.swap_detector_needs_detector_model EXIT 1 NEEDS ${OBAMA}
  MATCHES "scrfd detector needs its model.*embed, swap: --detector-model FILE" ABSENT ${BAD}/scrfd.png
  COMMAND ${SWAP_OK} -o ${BAD}/scrfd.png --detector scrfd)
# A mask model that is neither a catalog name nor a file: the error names the option (neural swapper; the
# empty model files named here are never opened, the mask resolution fails first).
file(TOUCH ${BAD}/unused_swapper.onnx ${BAD}/unused_recognizer.onnx)
set(SWAP_NEURAL ${SWAP_OK} --swapper inswapper_128 --swapper-model ${BAD}/unused_swapper.onnx
    --recognizer-model ${BAD}/unused_recognizer.onnx)
facefuse_cli_test(NAME cli.badinput.swap_region_mask_unknown EXIT 1 NEEDS ${OBAMA}
  MATCHES "--region-mask: unknown model foo" ABSENT ${BAD}/region_mask.png
  COMMAND ${SWAP_NEURAL} -o ${BAD}/region_mask.png --region-mask foo)
facefuse_cli_test(NAME cli.badinput.swap_occlusion_mask_unknown EXIT 1 NEEDS ${OBAMA}
  MATCHES "--occlusion-mask: unknown model foo" ABSENT ${BAD}/occlusion_mask.png
  COMMAND ${SWAP_NEURAL} -o ${BAD}/occlusion_mask.png --occlusion-mask foo)

# Options this run will not use: one warning each and the swap still succeeds (they were silently ignored).
facefuse_cli_test(NAME cli.badinput.swap_gpu_options_without_report EXIT 0 NEEDS ${OBAMA}
  MATCHES "swap: warning: --gpu is ignored without --gpu-report.*swap: warning: --interval is ignored without --gpu-report"
  CREATES_IMAGE ${BAD}/gpu_ignored.png
  COMMAND ${SWAP_OK} -o ${BAD}/gpu_ignored.png --gpu -1 --interval 5)
facefuse_cli_test(NAME cli.badinput.job_interval_without_report EXIT 0 NEEDS ${OBAMA}
  MATCHES "job: warning: --interval is ignored without --gpu-report" CREATES ${BAD}/interval_ignored.json
  COMMAND ${FACEFUSE} job ${OBAMA} --output ${BAD}/interval_ignored.json --interval 5 --threads 2)
facefuse_cli_test(NAME cli.badinput.swap_landmarker_model_without_landmarker EXIT 0 NEEDS ${OBAMA}
  MATCHES "swap: warning: --landmarker-model is ignored without --landmarker" CREATES_IMAGE ${BAD}/lm_ignored.png
  COMMAND ${SWAP_OK} -o ${BAD}/lm_ignored.png --landmarker-model ${BAD}/unused_landmarker.onnx)
# --landmarker face_mesh --landmarker-model FILE opens FILE instead of the bundled mesh (it was silently ignored).
facefuse_cli_test(NAME cli.badinput.swap_face_mesh_takes_its_model_file EXIT 1 NEEDS ${OBAMA}
  MATCHES "no_such_mesh.onnx" ABSENT ${BAD}/mesh_model.png
  COMMAND ${SWAP_OK} -o ${BAD}/mesh_model.png --landmarker face_mesh --landmarker-model ${BAD}/no_such_mesh.onnx)
facefuse_cli_test(NAME cli.badinput.classical_swapper_model_ignored EXIT 0 NEEDS ${OBAMA}
  MATCHES "swap: warning: the classical swapper ignores --swapper-model" CREATES_IMAGE ${BAD}/classical_model.png
  COMMAND ${SWAP_OK} -o ${BAD}/classical_model.png --swapper classical --swapper-model ${BAD}/unused_swapper.onnx)
# --regions: names checked always (exit 2 listing the valid ones); with a neural swapper but no --region-mask, a
# warning (the run then stops at the empty model files, after the warning).
facefuse_cli_test(NAME cli.badinput.swap_regions_unknown EXIT 2 NEEDS ${OBAMA}
  MATCHES "--regions: foo not in \\{skin,left-eyebrow,.*lower-lip\\}" ABSENT ${BAD}/regions.png
  COMMAND ${SWAP_OK} -o ${BAD}/regions.png --regions skin,foo)
facefuse_cli_test(NAME cli.badinput.swap_regions_without_region_mask EXIT 1 NEEDS ${OBAMA}
  MATCHES "swap: warning: --regions is ignored without --region-mask" ABSENT ${BAD}/regions_nomask.png
  COMMAND ${SWAP_NEURAL} -o ${BAD}/regions_nomask.png --regions skin)
facefuse_cli_test(NAME cli.badinput.monitor_gpu_negative EXIT 2
  MATCHES "--gpu: -1 is outside 0\\.\\.[0-9]+: too small"
  COMMAND ${FACEFUSE} monitor --gpu -1 --count 1)

# --models-dir naming a file is refused, also when no model is needed from it (swap exited 0, models verify too); a
# folder that does not exist is fine for swap, and models list/verify say it does not exist.
facefuse_cli_test(NAME cli.badinput.swap_models_dir_is_a_file EXIT 2 NEEDS ${OBAMA}
  MATCHES "--models-dir: .*obama.jpg is a file, not a folder" ABSENT ${BAD}/models_dir_file.png
  COMMAND ${SWAP_OK} -o ${BAD}/models_dir_file.png --models-dir ${OBAMA})
facefuse_cli_test(NAME cli.badinput.models_verify_models_dir_is_a_file EXIT 2 NEEDS ${OBAMA}
  MATCHES "models: InvalidArgument: --models-dir: .*obama.jpg is a file, not a folder"
  COMMAND ${FACEFUSE} models --models-dir ${OBAMA} verify)
facefuse_cli_test(NAME cli.badinput.models_verify_missing_models_dir EXIT 0
  MATCHES "models: warning: the models directory .*no-models \\(from --models-dir\\) does not exist"
  COMMAND ${FACEFUSE} models --models-dir ${BAD}/no-models verify)
facefuse_cli_test(NAME cli.badinput.models_list_missing_models_dir EXIT 0
  MATCHES "models: warning: the models directory .*no-models \\(from --models-dir\\) does not exist"
  COMMAND ${FACEFUSE} models list --models-dir ${BAD}/no-models)

# Option values the plan refuses are usage errors naming the option (exit 2; several exited 1 naming none). A
# neural swapper name this build does not know may be one of a later version: NotFound (exit 1), naming --swapper.
foreach(case
    "order|--order|sideways|--order: unknown face order 'sideways' \\(left-right, right-left"
    "selector|--selector|all|--selector: unknown face selection mode 'all' \\(many, one, reference\\)"
    "detector|--detector|foo|--detector: unknown detector 'foo' \\(available: yunet, scrfd"
    "enhancer|--enhancer|foo|--enhancer: no enhancer contract named 'foo' \\(known: gfpgan"
    "landmarker|--landmarker|foo|--landmarker: unknown landmarker 'foo' \\(known: 2dfan4, pfld_68, face_mesh\\)")
  string(REPLACE "|" ";" parts "${case}")
  list(GET parts 0 name)
  list(GET parts 1 option)
  list(GET parts 2 value)
  list(GET parts 3 message)
  facefuse_cli_test(NAME cli.badinput.swap_unknown_${name} EXIT 2 NEEDS ${OBAMA} MATCHES "swap: InvalidArgument: ${message}"
    ABSENT ${BAD}/unknown_${name}.png COMMAND ${SWAP_OK} -o ${BAD}/unknown_${name}.png ${option} "${value}")
endforeach()
facefuse_cli_test(NAME cli.badinput.swap_unknown_swapper_empty EXIT 2 NEEDS ${OBAMA}
  MATCHES "swap: InvalidArgument: --swapper: the name is empty" ABSENT ${BAD}/unknown_swapper_empty.png
  COMMAND sh -c "exec \"$0\" swap --threads 2 -s ${OBAMA} -t ${BIDEN} -o ${BAD}/unknown_swapper_empty.png --swapper ''"
          ${FACEFUSE})
facefuse_cli_test(NAME cli.badinput.swap_unknown_neural_swapper EXIT 1 NEEDS ${OBAMA}
  MATCHES "swap: NotFound: --swapper: no swapper contract named 'deepfake9000'" ABSENT ${BAD}/unknown_neural.png
  COMMAND ${SWAP_OK} -o ${BAD}/unknown_neural.png --swapper deepfake9000)
facefuse_cli_test(NAME cli.badinput.detect_angle_45 EXIT 2 NEEDS ${OBAMA}
  MATCHES "detect: InvalidArgument: --angles: detection angle 45 is not one of 0, 90, 180, 270"
  COMMAND ${FACEFUSE} detect ${OBAMA} --angles 45)
facefuse_cli_test(NAME cli.badinput.detect_unknown_detector EXIT 2 NEEDS ${OBAMA}
  MATCHES "detect: InvalidArgument: --detector: unknown detector 'foo'"
  COMMAND ${FACEFUSE} detect ${OBAMA} --detector foo)

# A landmarker with no bundled or catalog model says which option gives its file (it said "unknown model pfld_68:
# not a catalog name ... and no such file").
facefuse_cli_test(NAME cli.badinput.swap_pfld_68_needs_its_model EXIT 1 NEEDS ${OBAMA}
  MATCHES "swap: NotFound: --landmarker pfld_68 needs --landmarker-model FILE \\(no bundled or catalog model\\)"
  NOT_MATCHES "not a catalog name" ABSENT ${BAD}/pfld_no_model.png
  COMMAND ${SWAP_OK} -o ${BAD}/pfld_no_model.png --landmarker pfld_68)

# The swapper file the user named is checked before the models it needs besides it (the missing ArcFace model was
# reported first).
facefuse_cli_test(NAME cli.badinput.swap_given_swapper_model_first EXIT 1 NEEDS ${OBAMA}
  MATCHES "swap: NotFound: --swapper-model: model file .*no_such_swapper.onnx does not exist"
  NOT_MATCHES "arcface" ABSENT ${BAD}/swapper_first.png
  COMMAND ${SWAP_OK} -o ${BAD}/swapper_first.png --swapper inswapper_128 --swapper-model ${BAD}/no_such_swapper.onnx
          --models-dir ${BAD}/no-models)

# models path FOLDER says it is a folder (it said "model file FOLDER does not exist").
facefuse_cli_test(NAME cli.badinput.models_path_of_a_folder EXIT 1
  MATCHES "models: ${BAD} is a folder, not a model file" NOT_MATCHES "does not exist"
  COMMAND ${FACEFUSE} models --models-dir ${BAD}/no-models path ${BAD})

# A folder where no file can be created although the permission bits allow it (/proc, for root) is refused with the
# other unwritable folders, before any work (it failed creating the temporary file, as an IoError).
facefuse_cli_test(NAME cli.badinput.swap_output_in_proc EXIT 2 NEEDS ${OBAMA} TIMEOUT 20
  MATCHES "swap: InvalidArgument: -o: cannot write /proc/x.png: the folder /proc is not writable"
  COMMAND ${SWAP_OK} -o /proc/x.png)

# No target face near the reference: the message says which option to raise and its value.
facefuse_cli_test(NAME cli.badinput.swap_no_face_within_the_reference_distance EXIT 1 NEEDS ${OBAMA}
  MATCHES "no face of the target image .*obama.jpg is within the reference distance of the reference face \\(raise --reference-distance, now 0.01\\)"
  ABSENT ${BAD}/reference_far.png
  COMMAND ${FACEFUSE} swap --threads 2 -s ${BIDEN} -t ${OBAMA} -o ${BAD}/reference_far.png --selector reference
          --reference ${BIDEN} --reference-distance 0.01)
