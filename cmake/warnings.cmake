# Compiler flags shared by every facefuse target: facefuse_set_flags(target).
set(FACEFUSE_WARNINGS -Wall -Wextra -Wno-unused-parameter)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  # GCC 12 false positive in std::string operator+ (GCC bug 105651).
  list(APPEND FACEFUSE_WARNINGS -Wno-restrict)
endif()
if(FACEFUSE_WERROR)
  list(APPEND FACEFUSE_WARNINGS -Werror)
endif()
set(FACEFUSE_SAN_FLAGS "")
if(FACEFUSE_SANITIZE)
  set(FACEFUSE_SAN_FLAGS -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    # GCC's flow analysis under ASan reports std::regex/std::function members as
    # maybe-uninitialized; a known false positive that only sanitized builds see.
    list(APPEND FACEFUSE_WARNINGS -Wno-maybe-uninitialized)
  endif()
endif()

function(facefuse_set_flags target)
  target_compile_options(${target} PRIVATE ${FACEFUSE_WARNINGS} ${FACEFUSE_SAN_FLAGS})
  if(FACEFUSE_NATIVE)
    target_compile_options(${target} PRIVATE -march=native)
  endif()
  if(FACEFUSE_SANITIZE)
    target_link_options(${target} PRIVATE ${FACEFUSE_SAN_FLAGS})
  endif()
endfunction()
