# ctest driver: configure, build and run one consumer project in a scratch directory.
#   cmake -DMODE=<add_subdirectory|fetch_content|find_package> -DSOURCE=<flipside checkout>
#         -DWORK=<scratch dir> -P run_consumer.cmake
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")

function(step)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "consumer ${MODE}: `${ARGN}` failed (${rc}):\n${out}\n${err}")
  endif()
  message(STATUS "${out}")
endfunction()

set(extra "")
if(MODE STREQUAL "find_package")
  # Install flipside on its own (header-only: configure + install, nothing to compile).
  step(${CMAKE_COMMAND} -S "${SOURCE}" -B "${WORK}/flipside-build" -DFLIPSIDE_BUILD_TESTS=OFF
       -DFLIPSIDE_BUILD_BENCHMARKS=OFF -DFLIPSIDE_BUILD_EXAMPLES=OFF -DFLIPSIDE_INSTALL=ON)
  step(${CMAKE_COMMAND} --install "${WORK}/flipside-build" --prefix "${WORK}/prefix")
  set(extra "-DCMAKE_PREFIX_PATH=${WORK}/prefix")
endif()
step(${CMAKE_COMMAND} -S "${SOURCE}/tests/consumers/${MODE}" -B "${WORK}/build"
     -DFLIPSIDE_SOURCE_DIR=${SOURCE} -DCMAKE_BUILD_TYPE=Release ${extra})
step(${CMAKE_COMMAND} --build "${WORK}/build")
step("${WORK}/build/consumer")
