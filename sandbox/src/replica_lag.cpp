#include <drillhost/sandbox/replica_lag.hpp>

namespace drillhost::sandbox {

std::string replica_lag_problem(const nlohmann::json &config, const nlohmann::json &cluster) {
    double max_lag = config.value("maximum_lag_on_failover", 1048576.0);
    for (const auto &m : cluster.value("members", nlohmann::json::array())) {
        if (m.value("role", "") == "leader") continue;
        // Patroni says "unknown" until a replica has published a position.
        const nlohmann::json lag = m.value("lag", nlohmann::json());
        if (!lag.is_number() || lag.get<double>() > max_lag)
            return m.value("name", "?") + "'s lag in /cluster is " + lag.dump() +
                   " (maximum_lag_on_failover " + std::to_string(static_cast<long>(max_lag)) + ")";
    }
    return "";
}

}  // namespace drillhost::sandbox
