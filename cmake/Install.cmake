# Installs the core library and a CMake package (find_package(drillhost)) plus pkg-config files.
include(CMakePackageConfigHelpers)

install(TARGETS drillhost_core drillhost_plugin_api drillhost_sdk
  EXPORT drillhostTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT drillhostTargets NAMESPACE drillhost:: DESTINATION ${DRILLHOST_CMAKE_INSTALL_DIR})

configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/drillhostConfig.cmake.in
  ${CMAKE_BINARY_DIR}/drillhostConfig.cmake
  INSTALL_DESTINATION ${DRILLHOST_CMAKE_INSTALL_DIR}
  PATH_VARS DRILLHOST_PLUGIN_INSTALL_DIR)
write_basic_package_version_file(${CMAKE_BINARY_DIR}/drillhostConfigVersion.cmake
  COMPATIBILITY SameMajorVersion)
install(FILES
  ${CMAKE_BINARY_DIR}/drillhostConfig.cmake
  ${CMAKE_BINARY_DIR}/drillhostConfigVersion.cmake
  ${CMAKE_CURRENT_LIST_DIR}/DrillhostPlugin.cmake
  ${CMAKE_CURRENT_LIST_DIR}/drillhost_plugin.map
  DESTINATION ${DRILLHOST_CMAKE_INSTALL_DIR})

# Relocatable .pc files: the prefix is found relative to the .pc file itself.
file(RELATIVE_PATH PC_RELATIVE_PREFIX "/root/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/root")
foreach(pc drillhost drillhost-core)
  configure_file(${CMAKE_CURRENT_LIST_DIR}/${pc}.pc.in ${CMAKE_BINARY_DIR}/${pc}.pc @ONLY)
  install(FILES ${CMAKE_BINARY_DIR}/${pc}.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endforeach()

# The directory `drillhost` loads plugins from by default exists even before any plugin is installed.
install(DIRECTORY DESTINATION ${DRILLHOST_PLUGIN_INSTALL_DIR})
