#include "cluster_convergence.hpp"

#include <drillhost/sandbox/replica_lag.hpp>

#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <thread>

#include "cluster_queries.hpp"

namespace campaign {

using json = nlohmann::json;

namespace {

int number_of(const json &config, const char *key, int fallback) {
    auto it = config.find(key);
    return it != config.end() && it->is_number() ? it->get<int>() : fallback;
}

std::string text_of(const json &value) {
    return value.is_string() ? value.get<std::string>() : value.is_null() ? "?" : value.dump();
}

}  // namespace

std::string health_problem(const sb::SandboxState &state, std::string &leader) {
    leader.clear();
    std::set<std::string> replicas;
    std::optional<long> timeline;
    std::string timeline_owner;
    for (const auto &m : state.members) {
        auto body = patroni_get(state, m, "/patroni");
        if (!body) return m.name + ": REST API not answering";
        if (body->value("pause", false)) return "the cluster is paused (maintenance mode)";
        std::string st = body->value("state", "");
        if (st != "running") return m.name + ": " + (st.empty() ? "no state" : st);
        std::string role = body->value("role", "");
        if (role == "master" || role == "primary") {
            if (!leader.empty()) return "two leaders: " + leader + " and " + m.name;
            leader = m.name;
        } else {
            replicas.insert(m.name);
        }
        long tl = body->value("timeline", -1L);
        if (timeline && *timeline != tl)
            return m.name + " on timeline " + std::to_string(tl) + ", " + timeline_owner + " on " +
                   std::to_string(*timeline);
        timeline = tl;
        timeline_owner = m.name;
    }
    if (leader.empty()) return "no leader";
    const auto &l = state.member(leader);
    // The leader's pg_stat_replication, as GET /patroni shows it: every replica streaming.
    auto body = patroni_get(state, l, "/patroni");
    if (!body) return "leader " + leader + " not answering";
    for (const auto &r : body->value("replication", json::array()))
        if (r.value("state", "") == "streaming") replicas.erase(r.value("application_name", ""));
    if (!replicas.empty()) return *replicas.begin() + " is not streaming from " + leader;
    auto config = patroni_get(state, l, "/config"), cluster = patroni_get(state, l, "/cluster");
    if (!config || !cluster) return "leader " + leader + " not answering";
    if (cluster->value("pause", false)) return "the cluster is paused (maintenance mode)";
    return sb::replica_lag_problem(*config, *cluster);
}

std::string members_summary(const sb::SandboxState &state) {
    auto cluster = patroni_get_any(state, "/cluster");
    if (!cluster) return "no member answers GET /cluster";
    std::string text;
    for (const auto &m : cluster->value("members", json::array())) {
        text += (text.empty() ? "" : "; ") + text_of(m.value("name", json())) + " " +
                text_of(m.value("role", json())) + " " + text_of(m.value("state", json())) + " TL " +
                text_of(m.value("timeline", json()));
    }
    if (cluster->value("pause", false)) text += " [paused]";
    return text.empty() ? "GET /cluster lists no member" : text;
}

Convergence await_convergence(const sb::SandboxState &state) {
    using clock = std::chrono::steady_clock;
    auto start = clock::now();
    json config = patroni_get_any(state, "/config").value_or(json::object());
    int ttl = number_of(config, "ttl", state.options.ttl);
    int loop_wait = number_of(config, "loop_wait", state.options.loop_wait);
    int retry_timeout = number_of(config, "retry_timeout", state.options.retry_timeout);
    Convergence c;
    c.bound_s = 3.0 * (ttl + 2 * loop_wait + retry_timeout);
    auto deadline = start + std::chrono::milliseconds(static_cast<long>(c.bound_s * 1000));
    auto stable_for = std::chrono::seconds(2 * loop_wait);
    std::optional<clock::time_point> healthy_since;
    std::string healthy_leader, last_problem = "not checked";
    for (;;) {
        std::string leader;
        std::string problem = health_problem(state, leader);
        auto now = clock::now();
        if (problem.empty() && leader == healthy_leader && healthy_since) {
            if (now - *healthy_since >= stable_for) {
                c.converged = true;
                c.leader = leader;
                c.seconds = std::chrono::duration<double>(now - start).count();
                return c;
            }
        } else if (problem.empty()) {
            healthy_since = now;  // healthy, or a new leader: the stable window starts again
            healthy_leader = leader;
        } else {
            healthy_since.reset();
            healthy_leader.clear();
            last_problem = problem;
        }
        // Healthy at the deadline: it still gets its stable window, no more.
        if (now > deadline && (!healthy_since || now > deadline + stable_for)) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    c.seconds = std::chrono::duration<double>(clock::now() - start).count();
    c.reason = "not converged within " + std::to_string(static_cast<int>(c.bound_s)) + " s (3 x (ttl " +
               std::to_string(ttl) + " + 2 x loop_wait " + std::to_string(loop_wait) + " + retry_timeout " +
               std::to_string(retry_timeout) + ")): " + last_problem + "; members: " + members_summary(state);
    return c;
}

}  // namespace campaign
