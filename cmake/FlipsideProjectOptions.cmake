# Options for the project's own programs (tests, benchmarks, examples, the flipside CLI).
# None of this is exported: consumers of flipside::flipside choose their own arch flags.
add_library(flipside_project_options INTERFACE)
target_compile_options(flipside_project_options INTERFACE -Wall -Wextra -Wpedantic)
if(FLIPSIDE_WERROR)
  target_compile_options(flipside_project_options INTERFACE -Werror)
endif()
if(FLIPSIDE_NATIVE)
  target_compile_options(flipside_project_options INTERFACE -march=native)
endif()
if(FLIPSIDE_SANITIZE)
  target_compile_options(flipside_project_options INTERFACE
    -fsanitize=${FLIPSIDE_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all
    # GCC 12 reports false -Wmaybe-uninitialized in libstdc++ (std::regex, std::function) once
    # sanitizer instrumentation changes inlining; the warning stays on in normal builds.
    -Wno-maybe-uninitialized)
  target_link_options(flipside_project_options INTERFACE -fsanitize=${FLIPSIDE_SANITIZE})
endif()
if(NOT CMAKE_BUILD_TYPE AND NOT CMAKE_CONFIGURATION_TYPES)
  set(CMAKE_BUILD_TYPE Release CACHE STRING "Build type" FORCE)
endif()
find_program(FLIPSIDE_CCACHE ccache)
if(FLIPSIDE_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  set(CMAKE_CXX_COMPILER_LAUNCHER "${FLIPSIDE_CCACHE}")
endif()
