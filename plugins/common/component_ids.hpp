// The ids of the probes and injectors the drills call through the host, each spelled once. An id is
// the contract between a drill and a component of another plugin, as a URL is: the drills name it,
// they never include the component's code.
#pragma once

namespace drillhost::drills {

inline constexpr const char *patroni_rest = "org.drillhost.probe.patroni-rest";
inline constexpr const char *sql_probe = "org.drillhost.probe.sql";
inline constexpr const char *writer_probe = "org.drillhost.probe.writer";
inline constexpr const char *split_brain_probe = "org.drillhost.probe.split-brain";
inline constexpr const char *pgbench_probe = "org.drillhost.probe.pgbench";
inline constexpr const char *dcs_probe = "org.drillhost.probe.dcs";
inline constexpr const char *haproxy_probe = "org.drillhost.probe.haproxy";

inline constexpr const char *service_injector = "org.drillhost.injector.service";
inline constexpr const char *partition_injector = "org.drillhost.injector.partition";
inline constexpr const char *freeze_injector = "org.drillhost.injector.freeze";
inline constexpr const char *wal_replay_pause_injector = "org.drillhost.injector.wal-replay-pause";
inline constexpr const char *scratch_injector = "org.drillhost.injector.scratch-cluster";
inline constexpr const char *config_injector = "org.drillhost.injector.patroni-config";
inline constexpr const char *watchdog_injector = "org.drillhost.injector.watchdog";
inline constexpr const char *maintenance_injector = "org.drillhost.injector.maintenance";
inline constexpr const char *foreign_datadir_injector = "org.drillhost.injector.foreign-datadir";
inline constexpr const char *dcs_outage_injector = "org.drillhost.injector.dcs-outage";

}  // namespace drillhost::drills
