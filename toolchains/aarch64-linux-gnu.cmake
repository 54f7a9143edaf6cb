# Cross-build for 64-bit ARM boards (Raspberry Pi 4/5, Jetson) from a Debian host:
#   apt-get install g++-aarch64-linux-gnu
#   cmake -S . -B build-aarch64 -DCMAKE_TOOLCHAIN_FILE=toolchains/aarch64-linux-gnu.cmake \
#         -DAGENTCAST_SYSROOT=/path/to/board-rootfs -DAGENTCAST_BUILD_TESTS=OFF
# The sysroot must hold the board's -dev packages (a debootstrap of the image, or the image itself).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(AGENTCAST_TRIPLE aarch64-linux-gnu)
include(${CMAKE_CURRENT_LIST_DIR}/cross-common.cmake)
