# drillhost_add_plugin(<target> SOURCES <files...> [OUTPUT_DIRECTORY <dir>] [NO_INSTALL])
#
# Builds a drillhost plugin: a MODULE library named <target>.so (no "lib" prefix) that exports
# only the entry symbol (hidden visibility plus a version script), with no undefined symbols.
# Installed with drillhost's CMake package, so third-party plugins use it too.
set(DRILLHOST_PLUGIN_VERSION_SCRIPT "${CMAKE_CURRENT_LIST_DIR}/drillhost_plugin.map"
    CACHE INTERNAL "version script that exports only the drillhost entry symbol")

function(drillhost_add_plugin target)
  cmake_parse_arguments(ARG "NO_INSTALL" "OUTPUT_DIRECTORY" "SOURCES" ${ARGN})
  add_library(${target} MODULE ${ARG_SOURCES})
  target_link_libraries(${target} PRIVATE drillhost::sdk)
  set_target_properties(${target} PROPERTIES
    PREFIX ""
    C_VISIBILITY_PRESET hidden
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  target_link_options(${target} PRIVATE
    "LINKER:--version-script=${DRILLHOST_PLUGIN_VERSION_SCRIPT}" "LINKER:--no-undefined")
  if(ARG_OUTPUT_DIRECTORY)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY "${ARG_OUTPUT_DIRECTORY}")
  endif()
  if(NOT ARG_NO_INSTALL AND DEFINED DRILLHOST_PLUGIN_INSTALL_DIR)
    install(TARGETS ${target} LIBRARY DESTINATION "${DRILLHOST_PLUGIN_INSTALL_DIR}")
  endif()
endfunction()
