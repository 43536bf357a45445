# Every dependency comes from a Debian package (cmake/deps.sh installs them); nothing is vendored
# and nothing is downloaded at build time. Debian's xtensor/xsimd targets are un-namespaced.
include(GNUInstallDirs)
include(CMakeFindDependencyMacro)
set(THREADS_PREFER_PTHREAD_FLAG ON)
find_package(Threads REQUIRED)
find_package(xtl REQUIRED)
find_package(xsimd REQUIRED)
find_package(xtensor REQUIRED)
find_package(simdjson REQUIRED)
include(FlipsideFindUtf8proc)
