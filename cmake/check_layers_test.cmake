# Test of cmake/check_layers.cmake: builds two small source trees under FACEFUSE_TEST_DIR and runs the check on
# each. The one with upward includes (the runtime including face/, the CLI including a runtime internal) must fail
# naming file:line, the include and the rule; the clean one must pass and touch the stamp.
#
#   cmake -DFACEFUSE_SOURCE_DIR=<repository root> -DFACEFUSE_TEST_DIR=<scratch folder> -P cmake/check_layers_test.cmake
set(check ${FACEFUSE_SOURCE_DIR}/cmake/check_layers.cmake)
file(REMOVE_RECURSE ${FACEFUSE_TEST_DIR})

# A tree that keeps the layering: each layer includes itself, the layers below and the public API.
function(write_clean_tree root)
  file(WRITE ${root}/src/common/status_util.h "#pragma once\n#include \"facefuse/status.h\"\n")
  file(WRITE ${root}/src/runtime/ops/conv.cpp "// Conv\n#include \"runtime/ops/op_def.h\"\n#include \"common/status_util.h\"\n")
  file(WRITE ${root}/src/face/detector.cpp "#include \"face/detector.h\"\n#include \"facefuse/face.h\"\n#include \"facefuse/runtime.h\"\n")
  file(WRITE ${root}/src/pipeline/engine.cpp "#include \"face/detector.h\"\n#include \"media/image_io.h\"\n")
  file(WRITE ${root}/src/cli/main.cpp "#include \"pipeline/engine.h\"\n#include \"facefuse/ops.h\"\n#include <vector>\n")
endfunction()

# Runs the check on `root`; sets rc and output (stdout and stderr) in the caller.
macro(run_check root)
  execute_process(COMMAND ${CMAKE_COMMAND} -DFACEFUSE_SOURCE_DIR=${root} -DFACEFUSE_LAYERS_STAMP=${root}/stamp
                          -P ${check}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE output ERROR_VARIABLE output)
endmacro()

function(expect_in output text)
  string(FIND "${output}" "${text}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "the layer check's output lacks\n  ${text}\nit was:\n${output}")
  endif()
endfunction()

set(clean ${FACEFUSE_TEST_DIR}/clean)
write_clean_tree(${clean})
run_check(${clean})
if(NOT rc EQUAL 0 OR NOT EXISTS ${clean}/stamp)
  message(FATAL_ERROR "the layer check failed on a tree that keeps the layering:\n${output}")
endif()

set(upward ${FACEFUSE_TEST_DIR}/upward)
write_clean_tree(${upward})
file(WRITE ${upward}/src/runtime/exec/session.cpp
     "// Session\n#include \"runtime/exec/session.h\"\n\n#include \"face/detector.h\"\n")
file(WRITE ${upward}/src/cli/ops.cpp "#include \"cli/commands.h\"\n#include \"runtime/ops/op_def.h\"\n")
file(WRITE ${upward}/src/gpu/sampler.cpp "#include \"facefuse/face.h\"\n")
file(WRITE ${upward}/src/unplaced/http.cpp "#include \"pipeline/engine.h\"\n")
run_check(${upward})
if(rc EQUAL 0 OR EXISTS ${upward}/stamp)
  message(FATAL_ERROR "the layer check passed a tree with upward includes:\n${output}")
endif()
expect_in("${output}" "src/runtime/exec/session.cpp:4: #include \"face/detector.h\": the runtime layer (src/runtime/) may include only common/ gpu/ runtime/ facefuse/")
expect_in("${output}" "src/cli/ops.cpp:2: #include \"runtime/ops/op_def.h\": the cli layer (src/cli/) may include only")
expect_in("${output}" "src/gpu/sampler.cpp:1: #include \"facefuse/face.h\": the runtime layer (src/gpu/)")
expect_in("${output}" "src/unplaced/http.cpp: its folder is in no layer")
expect_in("${output}" "layer check: 4 violation(s) of the layering")
