# Runs the layer check (cmake/check_layers.cmake) whenever a source file under src/, tools/ or bench/ changes.
# Defines the target facefuse_check_layers; every layer library depends on it, so an upward include fails the
# build before anything is compiled.
file(GLOB_RECURSE FACEFUSE_LAYERED_FILES CONFIGURE_DEPENDS
  ${PROJECT_SOURCE_DIR}/src/*.h ${PROJECT_SOURCE_DIR}/src/*.hpp ${PROJECT_SOURCE_DIR}/src/*.cpp
  ${PROJECT_SOURCE_DIR}/src/*.cc ${PROJECT_SOURCE_DIR}/src/*.cu ${PROJECT_SOURCE_DIR}/src/*.cuh
  ${PROJECT_SOURCE_DIR}/tools/*.h ${PROJECT_SOURCE_DIR}/tools/*.cpp
  ${PROJECT_SOURCE_DIR}/bench/*.h ${PROJECT_SOURCE_DIR}/bench/*.cpp)
set(FACEFUSE_LAYERS_STAMP ${CMAKE_BINARY_DIR}/check_layers.stamp)
add_custom_command(OUTPUT ${FACEFUSE_LAYERS_STAMP}
  COMMAND ${CMAKE_COMMAND} -DFACEFUSE_SOURCE_DIR=${PROJECT_SOURCE_DIR} -DFACEFUSE_LAYERS_STAMP=${FACEFUSE_LAYERS_STAMP}
          -P ${PROJECT_SOURCE_DIR}/cmake/check_layers.cmake
  DEPENDS ${FACEFUSE_LAYERED_FILES} ${PROJECT_SOURCE_DIR}/cmake/check_layers.cmake
  COMMENT "Checking the include edges between the layers"
  VERBATIM)
add_custom_target(facefuse_check_layers DEPENDS ${FACEFUSE_LAYERS_STAMP})
