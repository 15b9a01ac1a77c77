// The haproxy probe: which member each of the cluster's services routes to, as every node's HAProxy
// says on its stats page (Pigsty's admin page: `stats uri /haproxy` on port 9101, basic auth; its
// `;csv` is the stats socket's `show stat`). Once, or sampled in the background (a thread per node) with each
// change on the drill's clock, so a drill can say when the service followed Patroni's new leader. Over HTTP
// (libcurl), never through a shell on the host: it can run beside a fault that cuts a host off.
#include <drillhost/sdk.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <condition_variable>
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
                "items": {"type": "object", "properties": {"t_ms": {"type": "number", "description": "when the read that saw it came back"},
                          "sent_ms": {"type": "number", "description": "when that read was asked"}, "host": {"type": "string"},
                          "service": {"type": "string"}, "routes_to": {"type": "array", "items": {"type": "string"}}},
                          "required": ["t_ms", "sent_ms", "host", "service", "routes_to"]}},
    "reads": {"type": "integer"}, "failed_reads": {"type": "integer"},
    "hosts": {"type": "array", "description": "per node: its page's reads, how many failed, and the last failure",
              "items": {"type": "object", "properties": {"host": {"type": "string"}, "reads": {"type": "integer"},
                        "failed_reads": {"type": "integer"}, "last_error": {"type": "string"}},
                        "required": ["host", "reads", "failed_reads", "last_error"], "additionalProperties": false}},
    "last_error": {"type": "string"}, "started_ms": {"type": "number"}, "stopped_ms": {"type": "number"}},
    "required": ["changes", "reads", "failed_reads", "hosts", "last_error", "started_ms", "stopped_ms"],
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
        per_page_.assign(pages_.size(), PageCounts{});
        origin_host_ms_ = host.now_ms();
        origin_ = std::chrono::steady_clock::now();
        running_ = true;
        for (size_t i = 0; i < pages_.size(); ++i) threads_.emplace_back([this, i] { sample_page(i); });
        return {{"started_ms", origin_host_ms_}, {"hosts", pages_.size()}};
    }

    dh::json stop(dh::Host &host, const dh::json &) {
        if (pages_.empty())
            throw dh::Error(DH_ERR_INVALID_ARGUMENT, "the haproxy sampler has not run; start it first");
        stop_thread();
        std::lock_guard lock(mutex_);
        // The pages' threads appended their changes as they came: in time order for a reader.
        std::stable_sort(changes_.begin(), changes_.end(),
                         [](const dh::json &a, const dh::json &b) { return a["t_ms"] < b["t_ms"]; });
        dh::json hosts = dh::json::array();
        for (size_t i = 0; i < pages_.size(); ++i)
            hosts.push_back({{"host", pages_[i].host},
                             {"reads", per_page_[i].reads},
                             {"failed_reads", per_page_[i].failed},
                             {"last_error", per_page_[i].last_error}});
        dh::json history = {{"changes", changes_},       {"hosts", hosts},
                            {"reads", reads_},           {"failed_reads", failed_},
                            {"last_error", last_error_}, {"started_ms", origin_host_ms_},
                            {"stopped_ms", now_ms()}};
        host.event("haproxy.routes", history);
        return history;
    }

  private:
    double now_ms() const {
        return origin_host_ms_ +
               std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - origin_).count();
    }

    // One thread per page, each reading its page every period: a node whose page does not answer
    // costs its own thread the timeout, not every other node's sampling rate. A change is timed when
    // its read came back (t_ms), with the time it was asked (sent_ms): HAProxy changed its mind
    // before t_ms, at the earliest after the previous read was asked.
    void sample_page(size_t index) {
        const StatsPage &page = pages_[index];
        PageCounts &counts = per_page_[index];
        std::map<std::string, std::vector<std::string>> last;  // per service
        auto next = std::chrono::steady_clock::now();
        while (running_) {
            double sent = now_ms();
            PageRead read = read_page(page);
            double t = now_ms();
            {
                std::lock_guard lock(mutex_);
                ++reads_, ++counts.reads;
                if (!read.error.empty()) {
                    ++failed_, ++counts.failed;
                    last_error_ = page.host + ": " + read.error;
                    counts.last_error = read.error;
                }
                for (const auto &service : read.services) {
                    auto routes = service.routes_to();
                    auto [it, fresh] = last.try_emplace(service.name, routes);
                    if (!fresh && it->second == routes) continue;
                    it->second = routes;
                    changes_.push_back({{"t_ms", t},
                                        {"sent_ms", sent},
                                        {"host", page.host},
                                        {"service", service.name},
                                        {"routes_to", routes}});
                }
            }
            next += std::chrono::duration_cast<std::chrono::steady_clock::duration>(period_);
            if (next < std::chrono::steady_clock::now()) next = std::chrono::steady_clock::now();
            std::unique_lock lock(mutex_);
            stopping_.wait_until(lock, next, [this] { return !running_; });
        }
    }

    void stop_thread() {
        {
            std::lock_guard lock(mutex_);
            running_ = false;
        }
        stopping_.notify_all();
        for (auto &thread : threads_)
            if (thread.joinable()) thread.join();
        threads_.clear();
    }

    std::vector<StatsPage> pages_;
    std::chrono::duration<double> period_{0.1};
    std::atomic<bool> running_{false};
    std::vector<std::thread> threads_;
    std::mutex mutex_;
    std::condition_variable stopping_;
    dh::json changes_ = dh::json::array();
    long reads_ = 0, failed_ = 0;
    std::string last_error_;
    struct PageCounts {
        long reads = 0, failed = 0;
        std::string last_error;
    };
    std::vector<PageCounts> per_page_;  // as pages_
    double origin_host_ms_ = 0;
    std::chrono::steady_clock::time_point origin_;
};

}  // namespace

DRILLHOST_PLUGIN("haproxy", "0.1.0", HaproxyProbe)
