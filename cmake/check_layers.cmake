# The layer check: every #include "dir/..." in src/, tools/ and bench/ against the allowed include edges below,
# the one table of which layer may include what (docs/architecture.md, "Layers").
#
#   cmake -DFACEFUSE_SOURCE_DIR=<repository root> [-DFACEFUSE_LAYERS_STAMP=<file>] -P cmake/check_layers.cmake
#
# Exits non-zero listing every include that breaks a rule as "file:line: #include "...": the rule", and a file in
# a folder the table does not place in a layer. On success touches FACEFUSE_LAYERS_STAMP when given (the build
# runs it through cmake/layers.cmake and every layer library depends on that stamp).
cmake_minimum_required(VERSION 3.25)
if(NOT FACEFUSE_SOURCE_DIR)
  message(FATAL_ERROR "check_layers.cmake needs -DFACEFUSE_SOURCE_DIR=<repository root>")
endif()

# layer_rule(DIR LAYER PREFIX...): files under DIR (relative to the root) belong to LAYER and may include only
# headers whose path starts with one of the PREFIXes. An include is judged by the longest prefix any rule names,
# so facefuse/face.h (the vision layer's public types) is not covered by facefuse/ (the runtime's public API).
set(RULE_DIRS "")
set(KNOWN_PREFIXES "")
macro(layer_rule dir layer)
  list(APPEND RULE_DIRS ${dir})
  set(RULE_LAYER_${dir} ${layer})
  set(RULE_ALLOWED_${dir} ${ARGN})
  list(APPEND KNOWN_PREFIXES ${ARGN})
endmacro()

# Public headers (include/facefuse/) by the layer that implements them.
set(RUNTIME_API facefuse/)        # status, tensor, runtime, memory budget, devices, ops, tensor files
set(VISION_API facefuse/face.h)   # faces as the vision layer reports them
# Everything above the runtime reaches it only through its public API.
set(BELOW_PIPELINE common/ gpu/ face/ media/ ${RUNTIME_API} ${VISION_API})
set(BELOW_CLI ${BELOW_PIPELINE} models/ telemetry/ report/ job/ pipeline/ storage/)

#          folder         layer      may include
layer_rule(src/common     runtime    common/ ${RUNTIME_API})
layer_rule(src/runtime    runtime    common/ gpu/ runtime/ ${RUNTIME_API})
layer_rule(src/gpu        runtime    common/ gpu/ ${RUNTIME_API})
layer_rule(src/face       vision     common/ face/ ${RUNTIME_API} ${VISION_API})
layer_rule(src/media      vision     common/ media/ ${RUNTIME_API} ${VISION_API})
layer_rule(src/models     pipeline   ${BELOW_PIPELINE} models/)
layer_rule(src/telemetry  pipeline   ${BELOW_PIPELINE} telemetry/)
layer_rule(src/pipeline   pipeline   ${BELOW_PIPELINE} models/ pipeline/)
layer_rule(src/job        pipeline   ${BELOW_PIPELINE} models/ telemetry/ pipeline/ job/)
layer_rule(src/storage    pipeline   ${BELOW_PIPELINE} storage/)
layer_rule(src/report     pipeline   ${BELOW_PIPELINE} models/ telemetry/ pipeline/ job/ report/)
layer_rule(src/server     server     ${BELOW_CLI} server/)
layer_rule(src/cli        cli        ${BELOW_CLI} server/ cli/)
layer_rule(tools          tools      ${BELOW_CLI} tools/)
layer_rule(bench          bench      ${BELOW_CLI} bench/)
list(REMOVE_DUPLICATES KNOWN_PREFIXES)

# The longest of `candidates` that `text` starts with, in `out` ("" when none).
function(longest_prefix out text)
  set(best "")
  string(LENGTH "${best}" best_length)
  foreach(prefix IN LISTS ARGN)
    string(LENGTH "${prefix}" length)
    string(SUBSTRING "${text}" 0 ${length} head)
    if(head STREQUAL prefix AND length GREATER best_length)
      set(best "${prefix}")
      set(best_length ${length})
    endif()
  endforeach()
  set(${out} "${best}" PARENT_SCOPE)
endfunction()

# The rule folder of a file (its longest rule folder followed by "/"), in `out` ("" when none).
function(rule_dir_of out file)
  set(candidates "")
  foreach(dir IN LISTS RULE_DIRS)
    list(APPEND candidates "${dir}/")
  endforeach()
  longest_prefix(prefix "${file}" ${candidates})
  string(REGEX REPLACE "/$" "" dir "${prefix}")
  set(${out} "${dir}" PARENT_SCOPE)
endfunction()

set(violations "")
file(GLOB_RECURSE files RELATIVE ${FACEFUSE_SOURCE_DIR} LIST_DIRECTORIES false
     ${FACEFUSE_SOURCE_DIR}/src/* ${FACEFUSE_SOURCE_DIR}/tools/* ${FACEFUSE_SOURCE_DIR}/bench/*)
list(FILTER files INCLUDE REGEX "\\.(h|hpp|cpp|cc|cu|cuh)$")
list(SORT files)
foreach(file IN LISTS files)
  rule_dir_of(dir "${file}")
  if(dir STREQUAL "")
    list(APPEND violations "${file}: its folder is in no layer (add it to the table in cmake/check_layers.cmake)")
    continue()
  endif()
  file(READ ${FACEFUSE_SOURCE_DIR}/${file} rest)
  string(REGEX MATCHALL "(^|\n)[ \t]*#[ \t]*include[ \t]*\"[A-Za-z0-9_]+/[^\"\n]*\"" includes "${rest}")
  set(line 1)
  foreach(match IN LISTS includes)
    # The line of the match: the newlines before it (the match's own leading newline included).
    string(FIND "${rest}" "${match}" at)
    string(LENGTH "${match}" match_length)
    math(EXPR after "${at} + ${match_length}")
    string(SUBSTRING "${rest}" 0 ${after} consumed)
    string(SUBSTRING "${rest}" ${after} -1 rest)
    string(REGEX MATCHALL "\n" newlines "${consumed}")
    list(LENGTH newlines count)
    math(EXPR line "${line} + ${count}")
    string(REGEX REPLACE "^.*\"([^\"]*)\"$" "\\1" header "${match}")
    longest_prefix(module "${header}" ${KNOWN_PREFIXES})
    if(module STREQUAL "" OR NOT module IN_LIST RULE_ALLOWED_${dir})
      list(JOIN RULE_ALLOWED_${dir} " " allowed)
      set(rule "the ${RULE_LAYER_${dir}} layer (${dir}/) may include only ${allowed}")
      list(APPEND violations "${file}:${line}: #include \"${header}\": ${rule}")
    endif()
  endforeach()
endforeach()

# One line each, unwrapped (message(FATAL_ERROR) would wrap them), then the failure.
if(violations)
  foreach(violation IN LISTS violations)
    message(NOTICE "${violation}")
  endforeach()
  list(LENGTH violations count)
  message(FATAL_ERROR "layer check: ${count} violation(s) of the layering (the table: cmake/check_layers.cmake)")
endif()
if(FACEFUSE_LAYERS_STAMP)
  file(TOUCH ${FACEFUSE_LAYERS_STAMP})
endif()
