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
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
