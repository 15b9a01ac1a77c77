// The haproxy probe: which member each of the cluster's services routes to, as every node's HAProxy
// says on its stats page (Pigsty's admin page: `stats uri /haproxy` on port 9101, basic auth; its
// `;csv` is the stats socket's `show stat`). Once, or sampled in the background with each change on
// the drill's clock, so a drill can say when the service followed Patroni's new leader. Over HTTP
// (libcurl), never through a shell on the host: it can run beside a fault that cuts a host off.
#include <drillhost/sdk.hpp>

#include <array>
#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include "haproxy_stats.hpp"
#include "rest_client.hpp"

namespace dh = drillhost::sdk;
using namespace drillhost::probes;

namespace {

// One node's HAProxy: where its stats page is, and how to ask.
struct StatsPage {
    std::string host;  // the member it runs on
    std::string csv_url;
    RestOptions options;
};

// The target's stats pages (members[].routing.stats_url, the credentials' haproxy_username and
// haproxy_password), all or the one on `only`. A value of the wrong type is an error naming it.
std::vector<StatsPage> stats_pages(const dh::json &target, const std::string &only, long timeout_ms) {
    RestOptions options;
    options.connect_timeout_ms = std::min(timeout_ms, 1000L);
    options.timeout_ms = timeout_ms;
    const dh::json credentials = target.value("credentials", dh::json::object());
    for (const auto &[key, field] :
         {std::pair{"haproxy_username", &options.username}, std::pair{"haproxy_password", &options.password}})
        if (credentials.is_object() && credentials.contains(key)) {
            if (!credentials[key].is_string())
                throw dh::Error(DH_ERR_INVALID_ARGUMENT,
                                std::string("the target's credentials.") + key + " must be a string");
            *field = credentials[key].get<std::string>();
        }
    std::vector<StatsPage> pages;
    for (const auto &m : target.value("members", dh::json::array())) {
        if (!m.is_object() || !m.value("name", dh::json()).is_string()) continue;
        std::string name = m["name"];
        if (!only.empty() && name != only) continue;
        const dh::json routing = m.value("routing", dh::json::object());
        if (!routing.is_object() || !routing.contains("stats_url")) continue;
        if (!routing["stats_url"].is_string())
            throw dh::Error(DH_ERR_INVALID_ARGUMENT,
                            "member " + name + ": routing.stats_url must be a string");
        std::string url = routing["stats_url"];
        // The page's CSV export: HAProxy answers `<stats uri>;csv` with `show stat`'s text.
        pages.push_back({name, url + ";csv", options});
    }
    if (pages.empty())
        throw dh::Error(DH_ERR_INVALID_ARGUMENT,
                        only.empty() ? "no member of the target has an HAProxy stats page "
                                       "(members[].routing.stats_url): start the embedded cluster with "
                                       "--services, or describe the routing in the target file"
                                     : "member " + only + " has no HAProxy stats page (routing.stats_url)");
    return pages;
}

// One page read: its services, or why not.
struct PageRead {
    std::vector<HaproxyService> services;
    std::string error;  // empty when read
};

PageRead read_page(const StatsPage &page) {
    RestReply reply = rest_call("GET", page.csv_url, "", page.options);
    if (reply.status == 0) return {{}, reply.error};
    if (reply.status != 200) return {{}, "HTTP " + std::to_string(reply.status) + " from " + page.csv_url};
    try {
        return {parse_show_stat(reply.body), ""};
    } catch (const std::invalid_argument &e) {
        return {{}, std::string("not HAProxy's stats CSV: ") + e.what()};
    }
}

namespace schemas {

inline constexpr const char *routes_params = R"json({"type": "object", "properties": {
    "member": {"type": "string", "description": "only this member's HAProxy (default: every member's)"},
    "timeout_ms": {"type": "integer", "minimum": 50, "maximum": 10000, "default": 1000}},
    "additionalProperties": false})json";

inline constexpr const char *routes_result = R"json({"type": "object", "properties": {
    "hosts": {"type": "array", "items": {"type": "object", "properties": {
        "host": {"type": "string"},
        "services": {"type": "array", "description": "per service (HAProxy's proxy): routes_to (the members it counts up) and its servers with status, since_change_s and check"},
        "error": {"type": ["string", "null"]}},
        "required": ["host", "services", "error"]}}},
    "required": ["hosts"], "additionalProperties": false})json";

inline constexpr const char *start_params = R"json({"type": "object", "properties": {
    "rate_hz": {"type": "number", "minimum": 0.1, "maximum": 50, "default": 10},
    "timeout_ms": {"type": "integer", "minimum": 50, "maximum": 10000, "default": 300}},
    "additionalProperties": false})json";

inline constexpr const char *start_result = R"json({"type": "object", "properties": {
    "started_ms": {"type": "number"}, "hosts": {"type": "integer"}},
    "required": ["started_ms", "hosts"], "additionalProperties": false})json";

inline constexpr const char *history_result = R"json({"type": "object", "properties": {
    "changes": {"type": "array", "description": "each change of whom a host's HAProxy routes a service to (the first read of each too), on the drill's clock",
                "items": {"type": "object", "properties": {"t_ms": {"type": "number"}, "host": {"type": "string"},
                          "service": {"type": "string"}, "routes_to": {"type": "array", "items": {"type": "string"}}},
                          "required": ["t_ms", "host", "service", "routes_to"]}},
    "reads": {"type": "integer"}, "failed_reads": {"type": "integer"},
    "last_error": {"type": "string"}, "started_ms": {"type": "number"}, "stopped_ms": {"type": "number"}},
    "required": ["changes", "reads", "failed_reads", "last_error", "started_ms", "stopped_ms"],
    "additionalProperties": false})json";

}  // namespace schemas

struct HaproxyProbe : dh::Probe {
    static constexpr dh::Info info{"org.drillhost.probe.haproxy", "haproxy", "0.1.0",
                                   "Which member each service routes to, from every node's HAProxy stats "
                                   "page, once or sampled over time",
                                   R"({"type": "object"})"};

    static constexpr auto operations() {
        using Op = dh::Operation<HaproxyProbe>;
        constexpr auto observe = dh::Effect::observe;
        return std::array{
            Op{"routes", observe, "Each node's services and the members they route to",
               schemas::routes_params, schemas::routes_result, &HaproxyProbe::routes},
            Op{"start", observe, "Starts reading every node's stats page in the background",
               schemas::start_params, schemas::start_result, &HaproxyProbe::start},
            Op{"stop", observe, "Stops reading; each change of a service's routing, in time",
               R"({"type": "object", "additionalProperties": false})", schemas::history_result,
               &HaproxyProbe::stop},
        };
    }

    ~HaproxyProbe() override { stop_thread(); }

    dh::json routes(dh::Host &host, const dh::json &params) {
        dh::json hosts = dh::json::array();
        for (const auto &page :
             stats_pages(host.target(), params.value("member", ""), params.value("timeout_ms", 1000L))) {
            PageRead read = read_page(page);
            hosts.push_back({{"host", page.host},
                             {"services", to_json(read.services)},
                             {"error", read.error.empty() ? dh::json(nullptr) : dh::json(read.error)}});
        }
        return {{"hosts", hosts}};
    }

    dh::json start(dh::Host &host, const dh::json &params) {
        if (running_)
            throw dh::Error(DH_ERR_INVALID_ARGUMENT, "the haproxy sampler is already running; stop it first");
        pages_ = stats_pages(host.target(), "", params.value("timeout_ms", 300L));
        period_ = std::chrono::duration<double>(1.0 / params.value("rate_hz", 10.0));
        changes_ = dh::json::array();
        reads_ = failed_ = 0, last_error_.clear();
        origin_host_ms_ = host.now_ms();
        origin_ = std::chrono::steady_clock::now();
        running_ = true;
        thread_ = std::thread([this] { sample_loop(); });
        return {{"started_ms", origin_host_ms_}, {"hosts", pages_.size()}};
    }

    dh::json stop(dh::Host &host, const dh::json &) {
        if (pages_.empty())
            throw dh::Error(DH_ERR_INVALID_ARGUMENT, "the haproxy sampler has not run; start it first");
        stop_thread();
        std::lock_guard lock(mutex_);
        dh::json history = {{"changes", changes_},           {"reads", reads_},
                            {"failed_reads", failed_},       {"last_error", last_error_},
                            {"started_ms", origin_host_ms_}, {"stopped_ms", now_ms()}};
        host.event("haproxy.routes", history);
        return history;
    }

  private:
    double now_ms() const {
        return origin_host_ms_ +
               std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - origin_).count();
    }

    // Every page in turn, each period; a change is timed when its read came back.
    void sample_loop() {
        std::map<std::pair<std::string, std::string>, std::vector<std::string>> last;
        auto next = std::chrono::steady_clock::now();
        while (running_) {
            for (const auto &page : pages_) {
                PageRead read = read_page(page);
                double t = now_ms();
                std::lock_guard lock(mutex_);
                ++reads_;
                if (!read.error.empty()) {
                    ++failed_;
                    last_error_ = page.host + ": " + read.error;
                    continue;
                }
                for (const auto &service : read.services) {
                    auto routes = service.routes_to();
                    auto [it, fresh] = last.try_emplace({page.host, service.name}, routes);
                    if (!fresh && it->second == routes) continue;
                    it->second = routes;
                    changes_.push_back(
                        {{"t_ms", t}, {"host", page.host}, {"service", service.name}, {"routes_to", routes}});
                }
            }
            next += std::chrono::duration_cast<std::chrono::steady_clock::duration>(period_);
            if (next < std::chrono::steady_clock::now()) next = std::chrono::steady_clock::now();
            std::this_thread::sleep_until(next);
        }
    }

    void stop_thread() {
        running_ = false;
        if (thread_.joinable()) thread_.join();
    }

    std::vector<StatsPage> pages_;
    std::chrono::duration<double> period_{0.1};
    std::atomic<bool> running_{false};
    std::thread thread_;
    std::mutex mutex_;
    dh::json changes_ = dh::json::array();
    long reads_ = 0, failed_ = 0;
    std::string last_error_;
    double origin_host_ms_ = 0;
    std::chrono::steady_clock::time_point origin_;
};

}  // namespace

DRILLHOST_PLUGIN("haproxy", "0.1.0", HaproxyProbe)
