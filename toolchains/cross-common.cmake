# Shared by the cross toolchain files: compilers by triple, and pkg-config looking only
# inside the sysroot so no host library leaks into the board binary.
# try_compile projects see only listed variables.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES AGENTCAST_SYSROOT AGENTCAST_TRIPLE)
set(CMAKE_C_COMPILER ${AGENTCAST_TRIPLE}-gcc)
set(CMAKE_CXX_COMPILER ${AGENTCAST_TRIPLE}-g++)
if(AGENTCAST_SYSROOT)
  set(CMAKE_SYSROOT ${AGENTCAST_SYSROOT})
  set(ENV{PKG_CONFIG_SYSROOT_DIR} ${AGENTCAST_SYSROOT})
  set(ENV{PKG_CONFIG_LIBDIR}
      "${AGENTCAST_SYSROOT}/usr/lib/${AGENTCAST_TRIPLE}/pkgconfig:${AGENTCAST_SYSROOT}/usr/lib/pkgconfig:${AGENTCAST_SYSROOT}/usr/share/pkgconfig")
endif()
# Without a sysroot: Debian multiarch, the board's -dev packages installed next to the host's
# (dpkg --add-architecture arm64; tests/cross/run). pkg-config then reads only their .pc
# files, plus AGENTCAST_MULTIARCH_EXTRA's (packages unpacked rather than installed).
if(NOT AGENTCAST_SYSROOT)
  list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES AGENTCAST_MULTIARCH_EXTRA)
  set(ENV{PKG_CONFIG_LIBDIR} "/usr/lib/${AGENTCAST_TRIPLE}/pkgconfig:/usr/share/pkgconfig")
  if(AGENTCAST_MULTIARCH_EXTRA)
    set(ENV{PKG_CONFIG_PATH} "${AGENTCAST_MULTIARCH_EXTRA}/usr/lib/${AGENTCAST_TRIPLE}/pkgconfig")
  endif()
endif()
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
