# facefuse swap on the paths only stand-ins can run here (docs/standins.md): every swapper contract the catalog
# has no small real model for, the simswap converter, the yoloface detector, each enhancer template, CodeFormer's
# weight input and --enhancer-blend. cli.standins.write generates the stand-ins into a models dir under their
# catalog file names (tint swappers, enhancers and converter, the blue-blob yoloface_8n, the bundled recognizer
# copied as arcface_w600k_r50) and the blue-square image the yoloface stand-in finds a face in. The pixel
# effects are checked by test-unit (TintPaths.*, YoloFaceStandIn.*); these tests prove that the CLI resolves
# and runs each path: exit 0, the image written, the JSON report's swapper and face count.
set(STANDIN_MODELS ${OUT}/standin-models)
set(BLOB ${STANDIN_MODELS}/blob.png)
add_test(NAME cli.standins.write
  COMMAND sh -c "set -e; \"$0\" --model $1 --kind tint --out \"$2\" --catalog-names
                 \"$0\" --model yoloface_8n --kind blue-blob --out \"$2\" --catalog-names --blob-image \"$2/blob.png\"
                 cp \"$3\" \"$2/arcface_w600k_r50.onnx\""
          $<TARGET_FILE:facefuse-standins>
          inswapper_128_fp16,hyperswap_1b_256,hyperswap_1c_256,simswap_256,simswap_unofficial_512,crossface_simswap,gfpgan_1.4,codeformer,gpen_bfr_256,gpen_bfr_512
          ${STANDIN_MODELS} ${PROJECT_SOURCE_DIR}/models/recognizer_512.onnx)
set_tests_properties(cli.standins.write PROPERTIES FIXTURES_SETUP standin_models LABELS cli)

set(YOLO --detector yoloface --detector-model ${STANDIN_MODELS}/yoloface_8n.onnx)
# A stand-in of a model whose size the catalog pins (arcface_w600k_r50, inswapper_128_fp16, hyperswap_1c_256,
# gfpgan_1.4, gpen_bfr_256) is given by file: in the models dir it would be refused, rightly, as an incomplete download.
set(RECOGNIZER --recognizer-model ${STANDIN_MODELS}/arcface_w600k_r50.onnx)
set(STANDIN_TESTS)

# simswap without its converter: the error names the converter's download (it was missing from the catalog).
facefuse_cli_test(NAME cli.swap.standins.simswap_without_converter_names_the_download EXIT 1
  MATCHES "model crossface_simswap \\(converter\\) is not installed.*facefuse models download crossface_simswap"
  ABSENT ${OUT}/never_simswap.png
  COMMAND ${SWAP} --swapper simswap_256 --swapper-model ${STANDIN_MODELS}/simswap_256.onnx
          --models-dir ${OUT}/empty-models -s ${BLOB} -t ${BLOB} -o ${OUT}/never_simswap.png)
list(APPEND STANDIN_TESTS cli.swap.standins.simswap_without_converter_names_the_download)

# simswap_256 and its converter resolved from --models-dir, on photos (the default detector),
# with CodeFormer (float64 weight input).
facefuse_cli_test(NAME cli.swap.standins.simswap_256_from_the_models_dir EXIT 0 NEEDS ${FIXTURE_IMAGES}
  MATCHES "\"faces_swapped\":1,.*\"enhance\":[1-9].*\"swapper\":\"simswap_256\""
  CREATES_IMAGE ${OUT}/standin_simswap_256.png
  COMMAND ${SWAP} --models-dir ${STANDIN_MODELS} ${RECOGNIZER} --swapper simswap_256 --enhancer codeformer
          -s ${FIXTURE_IMAGES}/obama.jpg -t ${FIXTURE_IMAGES}/biden.jpg -o ${OUT}/standin_simswap_256.png --json)
list(APPEND STANDIN_TESTS cli.swap.standins.simswap_256_from_the_models_dir)

# simswap_unofficial_512 with every model given as a file, on the yoloface path, GPEN 512 blended at 50.
facefuse_cli_test(NAME cli.swap.standins.simswap_512_yoloface_gpen_512_by_file EXIT 0
  MATCHES "\"faces_swapped\":1,.*\"swapper\":\"simswap_unofficial_512\""
  CREATES_IMAGE ${OUT}/standin_simswap_512.png
  COMMAND ${SWAP} --swapper simswap_unofficial_512 --swapper-model ${STANDIN_MODELS}/simswap_unofficial_512.onnx
          --converter-model ${STANDIN_MODELS}/crossface_simswap.onnx
          --recognizer-model ${STANDIN_MODELS}/arcface_w600k_r50.onnx ${YOLO}
          --enhancer gpen_bfr_512 --enhancer-model ${STANDIN_MODELS}/gpen_bfr_512.onnx --enhancer-blend 50
          -s ${BLOB} -t ${BLOB} -o ${OUT}/standin_simswap_512.png --json)
list(APPEND STANDIN_TESTS cli.swap.standins.simswap_512_yoloface_gpen_512_by_file)

# inswapper_128_fp16 (float16 body, emap) on the yoloface path with GPEN 256 (arcface_128 template).
facefuse_cli_test(NAME cli.swap.standins.inswapper_fp16_yoloface_gpen_256 EXIT 0
  MATCHES "\"faces_swapped\":1,.*\"swapper\":\"inswapper_128_fp16\""
  CREATES_IMAGE ${OUT}/standin_inswapper_fp16.png
  COMMAND ${SWAP} --models-dir ${STANDIN_MODELS} ${RECOGNIZER} --swapper inswapper_128_fp16 --swapper-model ${STANDIN_MODELS}/inswapper_128_fp16.onnx ${YOLO}
          --enhancer gpen_bfr_256 --enhancer-model ${STANDIN_MODELS}/gpen_bfr_256.onnx --enhancer-blend 100 -s ${BLOB} -t ${BLOB} -o ${OUT}/standin_inswapper_fp16.png --json)
list(APPEND STANDIN_TESTS cli.swap.standins.inswapper_fp16_yoloface_gpen_256)

# hyperswap_1b_256 with GFPGAN at blend 0, and hyperswap_1c_256 with pixel boost 2.
facefuse_cli_test(NAME cli.swap.standins.hyperswap_1b_gfpgan_blend_0 EXIT 0
  MATCHES "\"faces_swapped\":1,.*\"swapper\":\"hyperswap_1b_256\""
  CREATES_IMAGE ${OUT}/standin_hyperswap_1b.png
  COMMAND ${SWAP} --models-dir ${STANDIN_MODELS} ${RECOGNIZER} --swapper hyperswap_1b_256 ${YOLO}
          --enhancer gfpgan_1.4 --enhancer-model ${STANDIN_MODELS}/gfpgan_1.4.onnx --enhancer-blend 0 -s ${BLOB} -t ${BLOB} -o ${OUT}/standin_hyperswap_1b.png --json)
list(APPEND STANDIN_TESTS cli.swap.standins.hyperswap_1b_gfpgan_blend_0)
facefuse_cli_test(NAME cli.swap.standins.hyperswap_1c_pixel_boost_2 EXIT 0
  MATCHES "\"faces_swapped\":1,.*\"swapper\":\"hyperswap_1c_256\""
  CREATES_IMAGE ${OUT}/standin_hyperswap_1c.png
  COMMAND ${SWAP} --models-dir ${STANDIN_MODELS} ${RECOGNIZER} --swapper hyperswap_1c_256 --swapper-model ${STANDIN_MODELS}/hyperswap_1c_256.onnx ${YOLO} --pixel-boost 2
          -s ${BLOB} -t ${BLOB} -o ${OUT}/standin_hyperswap_1c.png --json)
list(APPEND STANDIN_TESTS cli.swap.standins.hyperswap_1c_pixel_boost_2)

set_tests_properties(${STANDIN_TESTS} PROPERTIES FIXTURES_REQUIRED standin_models)

# facefuse-batch-copy (bench/compare_batch.sh): a dynamic-batch copy of the recognizer fixture with its input
# stacked 1, 3 and 16 times; facefuse must give the stacked reference outputs (every image of a batch as if alone,
# including the batches the conv kernel runs image by image).
set(RECOGNIZER_FIXTURE ${FIXTURES}/models/recognizer_512)
facefuse_cli_test(NAME cli.batch_copy.recognizer_batches_match_stacked_references EXIT 0 NEEDS ${RECOGNIZER_FIXTURE}
  MATCHES "Reshape 'Reshape_95'" "PASS .*3 set\\(s\\)" "1 passed, 0 failed"
  COMMAND sh -c "set -e
                 rm -rf \"$2\"
                 \"$0\" --model \"$3/model.onnx\" --data \"$3/test_data_set_0\" --out \"$2\" --batches 1,3,16
                 \"$1\" check-model \"$2\" --rtol 1e-4 --atol 1e-4"
          $<TARGET_FILE:facefuse-batch-copy> $<TARGET_FILE:facefuse> ${OUT}/recognizer-batches ${RECOGNIZER_FIXTURE})
set_tests_properties(cli.batch_copy.recognizer_batches_match_stacked_references PROPERTIES
  FIXTURES_SETUP recognizer_batches)
# bench-model counts the items of a batch-16 set of a model whose dim 0 is open (items/s per face, not per run).
facefuse_cli_test(NAME cli.bench_model.counts_the_items_of_a_batch_set EXIT 0 NEEDS ${RECOGNIZER_FIXTURE}
  MATCHES "\"items_per_run\": 16"
  COMMAND $<TARGET_FILE:facefuse> bench-model ${OUT}/recognizer-batches/model.onnx
          --data ${OUT}/recognizer-batches/test_data_set_16 --runs 1 --warmup 0 --threads 2 --json)
set_tests_properties(cli.bench_model.counts_the_items_of_a_batch_set PROPERTIES FIXTURES_REQUIRED recognizer_batches)
# A model with an empty graph has nothing to time: an error, not a 0 ms median.
facefuse_cli_test(NAME cli.bench_model.empty_graph_is_an_error EXIT 1 MATCHES "has no graph outputs"
  COMMAND sh -c "printf '\\072\\000' > \"$1\" && exec \"$0\" bench-model \"$1\" --runs 1"
          $<TARGET_FILE:facefuse> ${OUT}/empty-graph.onnx)
# A missing model is an error that names it, and nothing is written.
facefuse_cli_test(NAME cli.batch_copy.missing_model_is_named EXIT 1
  MATCHES "cannot open .*no-such-model.onnx" ABSENT ${OUT}/never-batch-copy
  COMMAND $<TARGET_FILE:facefuse-batch-copy> --model ${OUT}/no-such-model.onnx --out ${OUT}/never-batch-copy)
# A model whose batch cannot pass (BlazeFace pads channels by a Concat with a batch-1 constant) is refused by
# name before anything is written; so is --data of another model.
set(BLAZEFACE_FIXTURE ${FIXTURES}/models/blazeface_front)
facefuse_cli_test(NAME cli.batch_copy.refuses_a_batch1_constant_concat EXIT 1 NEEDS ${BLAZEFACE_FIXTURE}
  MATCHES "Concat writing '.*' joins a computed tensor with the batch-1 constant '.*Pad_pad' along axis 1"
  ABSENT ${OUT}/never-blazeface-batches
  COMMAND $<TARGET_FILE:facefuse-batch-copy> --model ${BLAZEFACE_FIXTURE}/model.onnx
          --data ${BLAZEFACE_FIXTURE}/test_data_set_0 --out ${OUT}/never-blazeface-batches)
facefuse_cli_test(NAME cli.batch_copy.refuses_data_of_another_model EXIT 1 NEEDS ${RECOGNIZER_FIXTURE}
  MATCHES "input_0.pb \\('input'\\) has dim 2 = 640, the model 112"
  ABSENT ${OUT}/never-mixed-batches
  COMMAND $<TARGET_FILE:facefuse-batch-copy> --model ${RECOGNIZER_FIXTURE}/model.onnx
          --data ${FIXTURES}/models/yunet_2023mar/test_data_set_0 --out ${OUT}/never-mixed-batches)
# A usage error exits 2.
facefuse_cli_test(NAME cli.batch_copy.bad_batches_is_a_usage_error EXIT 2 MATCHES "--batches"
  COMMAND $<TARGET_FILE:facefuse-batch-copy> --model ${RECOGNIZER_FIXTURE}/model.onnx --out ${OUT}/never-b0
          --batches 0)
