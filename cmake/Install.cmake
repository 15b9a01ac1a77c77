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

# Drills renamed to one spelling (0.1.0, plugin ABI 1.4) left their former files in an installed
# plugin directory: an upgrade would load both, and `run --all` would run each drill twice. The new
# files carry the old names as aliases; the old files go.
set(DRILLHOST_FORMER_DRILL_FILES
  cluster_status dcs_down_all dcs_down_primary_client dcs_down_replica_client failover_lag_blocked
  failover_manual failover_replay_paused_candidate failover_with_load fencing_watchdog frozen_leader
  network_partition primary_down_fast_restart primary_down_maintenance primary_down_node_lost
  standby_cluster standby_down_adopt_running_postgres standby_down_patroni_stopped
  standby_down_postgres_killed standby_down_system_id_mismatch sync_standby)
install(CODE "
  foreach(former ${DRILLHOST_FORMER_DRILL_FILES})
    set(file \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${DRILLHOST_PLUGIN_INSTALL_DIR}/\${former}.so\")
    if(EXISTS \"\${file}\")
      message(STATUS \"Removing a former drill file: \${file}\")
      file(REMOVE \"\${file}\")
    endif()
  endforeach()")
