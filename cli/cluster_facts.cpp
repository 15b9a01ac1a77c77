#include "cluster_facts.hpp"

#include <drillhost/core/errors.hpp>

namespace drillhost::cli {
using nlohmann::json;

json read_cluster_facts(Runner &runner) {
    static const char *const patroni_rest = "org.drillhost.probe.patroni-rest";
    json facts = json::object();
    try {
        auto own = runner.operate(patroni_rest, "patroni", json::object());
        facts["member"] = own.value("member", "");
        const auto &data = own.at("data");
        if (data.contains("patroni") && data["patroni"].is_object())
            facts["patroni_version"] = data["patroni"].value("version", "");
        auto config = runner.operate(patroni_rest, "config", json::object()).at("data");
        json timing = json::object();
        for (const char *key : {"ttl", "loop_wait", "retry_timeout", "maximum_lag_on_failover",
                                "synchronous_mode", "synchronous_node_count", "failsafe_mode"})
            if (config.contains(key)) timing[key] = config[key];
        facts["timing"] = timing;
    } catch (const std::exception &e) {
        facts["error"] = e.what();
    }
    return facts;
}

}  // namespace drillhost::cli
