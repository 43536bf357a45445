include(CMakePackageConfigHelpers)
set(FLIPSIDE_CMAKE_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/flipside")

install(DIRECTORY "${PROJECT_SOURCE_DIR}/include/flipside" DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")
install(TARGETS flipside EXPORT flipsideTargets)
install(EXPORT flipsideTargets NAMESPACE flipside:: DESTINATION "${FLIPSIDE_CMAKE_DIR}")
export(EXPORT flipsideTargets NAMESPACE flipside::
       FILE "${PROJECT_BINARY_DIR}/flipsideTargets.cmake")

configure_package_config_file("${PROJECT_SOURCE_DIR}/cmake/flipsideConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/flipsideConfig.cmake" INSTALL_DESTINATION "${FLIPSIDE_CMAKE_DIR}")
write_basic_package_version_file("${PROJECT_BINARY_DIR}/flipsideConfigVersion.cmake"
  COMPATIBILITY SameMinorVersion ARCH_INDEPENDENT)
install(FILES "${PROJECT_BINARY_DIR}/flipsideConfig.cmake"
              "${PROJECT_BINARY_DIR}/flipsideConfigVersion.cmake"
              "${PROJECT_SOURCE_DIR}/cmake/FlipsideFindUtf8proc.cmake"
        DESTINATION "${FLIPSIDE_CMAKE_DIR}")
