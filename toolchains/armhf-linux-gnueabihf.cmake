# Cross-build for 32-bit Raspberry Pi OS (armhf):
#   apt-get install crossbuild-essential-armhf, and the armhf -dev packages (see tests/cross/run)
#   cmake -S . -B build-armhf -DCMAKE_TOOLCHAIN_FILE=toolchains/armhf-linux-gnueabihf.cmake \
#         -DAGENTCAST_SYSROOT=/path/to/board-rootfs -DAGENTCAST_BUILD_TESTS=OFF
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(AGENTCAST_TRIPLE arm-linux-gnueabihf)
include(${CMAKE_CURRENT_LIST_DIR}/cross-common.cmake)
