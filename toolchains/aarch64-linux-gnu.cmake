# Cross-build for 64-bit ARM boards (Raspberry Pi 4/5, Jetson) from a Debian 12 host, either
# against the arm64 -dev packages installed next to the host's (multiarch; what CI does, see
# tests/cross/run) or against a sysroot holding them (a debootstrap of the image, or the image):
#   cmake -S . -B build-aarch64 -DCMAKE_TOOLCHAIN_FILE=toolchains/aarch64-linux-gnu.cmake \
#         [-DAGENTCAST_SYSROOT=/path/to/board-rootfs]
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(AGENTCAST_TRIPLE aarch64-linux-gnu)
include(${CMAKE_CURRENT_LIST_DIR}/cross-common.cmake)
