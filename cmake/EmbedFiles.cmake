# agentcast_embed_files(<target> BASE_DIR <dir> GLOBS <glob>...)
# Builds a static library exposing the matched files (path relative to BASE_DIR -> content)
# through firmware/common/embedded_data.hpp. Regenerated whenever a file changes.
function(agentcast_embed_files target)
  cmake_parse_arguments(ARG "" "BASE_DIR" "GLOBS" ${ARGN})
  set(files)
  foreach(glob IN LISTS ARG_GLOBS)
    file(GLOB matched CONFIGURE_DEPENDS RELATIVE ${ARG_BASE_DIR} ${ARG_BASE_DIR}/${glob})
    list(APPEND files ${matched})
  endforeach()
  list(SORT files)
  set(absolute)
  foreach(f IN LISTS files)
    list(APPEND absolute ${ARG_BASE_DIR}/${f})
  endforeach()
  set(out ${CMAKE_CURRENT_BINARY_DIR}/${target}.cpp)
  # A CMake list would be split into separate shell words; pass it ","-separated.
  string(REPLACE ";" "," files_arg "${files}")
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -DBASE_DIR=${ARG_BASE_DIR} "-DFILES=${files_arg}" -DOUTPUT=${out}
            -P ${PROJECT_SOURCE_DIR}/cmake/GenerateEmbeddedData.cmake
    DEPENDS ${absolute} ${PROJECT_SOURCE_DIR}/cmake/GenerateEmbeddedData.cmake
    COMMENT "Embedding board descriptions and pipeline fragments"
    VERBATIM)
  add_library(${target} STATIC ${out})
  target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR}/firmware)
endfunction()
