# OpenCV from Debian's per-module -dev packages (libopencv-core-dev, ...), which
# ship headers and libraries but no OpenCVConfig.cmake (that comes only with the
# 800 MB libopencv-dev meta package). Defines the imported target facefuse::opencv.
find_path(OPENCV_INCLUDE_DIR opencv2/core.hpp PATH_SUFFIXES opencv4 REQUIRED)
set(OPENCV_LIBRARIES "")
foreach(module core imgproc imgcodecs photo)
  find_library(OPENCV_${module}_LIBRARY opencv_${module} REQUIRED)
  list(APPEND OPENCV_LIBRARIES ${OPENCV_${module}_LIBRARY})
endforeach()
add_library(facefuse_opencv INTERFACE)
target_include_directories(facefuse_opencv SYSTEM INTERFACE ${OPENCV_INCLUDE_DIR})
target_link_libraries(facefuse_opencv INTERFACE ${OPENCV_LIBRARIES})
add_library(facefuse::opencv ALIAS facefuse_opencv)
