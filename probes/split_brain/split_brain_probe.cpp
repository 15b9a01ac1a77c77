// The split-brain sampler: one thread per member asks `pg_is_in_recovery()` at rate_hz (10 Hz or
// more) over its own connection, with a deadline on every connect and query, and records each
// answer. From those answers: every window in which more than one member accepted writes, and each
// member's transitions (writable, read-only, no answer) on the drill's clock.
#include <drillhost/sdk.hpp>

#include <array>
#include <atomic>
#include <mutex>
#include <thread>

#include "overlap.hpp"
#include "pg_async.hpp"

namespace dh = drillhost::sdk;
using namespace drillhost::probes;

namespace {

struct Member {
    std::string name;
    ConnectParams params;
};

std::string state_name(const std::optional<bool> &writable) {
    return !writable ? "no answer" : *writable ? "writable" : "read-only";
}

}  // namespace

namespace schemas {

constexpr const char *start_params = R"({
    "type": "object",
    "properties": {
        "rate_hz": {"type": "number", "minimum": 10, "maximum": 1000, "default": 20,
                    "description": "samples per second per member"},
        "timeout_ms": {"type": "integer", "minimum": 10, "maximum": 60000, "default": 500,
                       "description": "deadline for one connect or one query; past it the member did not answer"}
    },
    "additionalProperties": false
})";

constexpr const char *run_params = R"({
    "type": "object",
    "properties": {
        "rate_hz": {"type": "number", "minimum": 10, "maximum": 1000, "default": 20,
                    "description": "samples per second per member"},
        "timeout_ms": {"type": "integer", "minimum": 10, "maximum": 60000, "default": 500,
                       "description": "deadline for one connect or one query; past it the member did not answer"},
        "duration_s": {"type": "number", "minimum": 0, "maximum": 86400, "default": 10}
    },
    "additionalProperties": false
})";

constexpr const char *start_result = R"({
    "type": "object",
    "properties": {"members": {"type": "integer"}, "rate_hz": {"type": "number"}, "started_ms": {"type": "number"}},
    "required": ["members", "rate_hz", "started_ms"],
    "additionalProperties": false
})";

constexpr const char *report_result = R"({
    "type": "object",
    "properties": {
        "split_brain": {"type": "boolean", "description": "some window had two or more writable members"},
        "overlaps": {"type": "array", "items": {"type": "object", "properties": {
            "start_ms": {"type": "number"}, "end_ms": {"type": "number"}, "duration_ms": {"type": "number"},
            "members": {"type": "array", "items": {"type": "string"}}},
            "required": ["start_ms", "end_ms", "duration_ms", "members"], "additionalProperties": false}},
        "overlap_total_ms": {"type": "number"},
        "members": {"type": "object", "additionalProperties": {"type": "object", "properties": {
            "samples": {"type": "integer"}, "writable": {"type": "integer"}, "read_only": {"type": "integer"},
            "no_answer": {"type": "integer"}, "max_interval_ms": {"type": "number"}},
            "required": ["samples", "writable", "read_only", "no_answer", "max_interval_ms"]}},
        "transitions": {"type": "array", "items": {"type": "object", "properties": {
            "t_ms": {"type": "number"}, "member": {"type": "string"},
            "state": {"enum": ["writable", "read-only", "no answer"]}},
            "required": ["t_ms", "member", "state"], "additionalProperties": false}},
        "stale_ms": {"type": "number"}, "started_ms": {"type": "number"}, "stopped_ms": {"type": "number"}
    },
    "required": ["split_brain", "overlaps", "overlap_total_ms", "members", "transitions", "stale_ms",
                 "started_ms", "stopped_ms"],
    "additionalProperties": false
})";

}  // namespace schemas

// Only reads (pg_is_in_recovery() over connections of its own): every operation observes.
struct SplitBrainProbe : dh::Probe {
    static constexpr dh::Info info{"org.drillhost.probe.split-brain", "split-brain", "0.2.0",
                                   "Samples every member's pg_is_in_recovery() at 10 Hz or more; reports "
                                   "every window with two writable members",
                                   R"({"type": "object"})"};

    static constexpr auto operations() {
        using Op = dh::Operation<SplitBrainProbe>;
        constexpr auto observe = dh::Effect::observe;
        return std::array{
            Op{"run", observe, "start, wait duration_s, stop", schemas::run_params, schemas::report_result,
               &SplitBrainProbe::run},
            Op{"start", observe, "Starts sampling every member in the background", schemas::start_params,
               schemas::start_result, &SplitBrainProbe::start},
            Op{"stop", observe, "Stops sampling and reports the windows with two writable members",
               R"({"type": "object", "additionalProperties": false})", schemas::report_result,
               &SplitBrainProbe::stop},
        };
    }

    ~SplitBrainProbe() override { stop_threads(); }

    dh::json run(dh::Host &host, const dh::json &params) {
        start(host, params);
        host.sleep(std::chrono::milliseconds(static_cast<int64_t>(params.value("duration_s", 10.0) * 1000)));
        return stop(host, params);
    }

    dh::json start(dh::Host &host, const dh::json &params) {
        if (running_)
            throw dh::Error(DH_ERR_INVALID_ARGUMENT, "the sampler is already running; stop it first");
        auto target = host.target();
        members_.clear();
        for (const auto &m : target_members(target)) {
            auto p = members_params(target, {m});
            p.set("application_name", "drillhost-split-brain");
            members_.push_back({m.value("name", member_host(m)), p});
        }
        if (members_.empty())
            throw dh::Error(DH_ERR_INVALID_ARGUMENT, "the target lists no PostgreSQL member to sample");
        period_ = std::chrono::duration<double>(1.0 / params.value("rate_hz", 20.0));
        timeout_ = std::chrono::milliseconds(params.value("timeout_ms", 500));
        observations_.clear();
        origin_host_ms_ = host.now_ms();
        origin_ = SteadyClock::now();
        running_ = true;
        for (const auto &m : members_) threads_.emplace_back([this, &m] { sample_member(m); });
        return {{"members", members_.size()},
                {"rate_hz", 1.0 / period_.count()},
                {"started_ms", origin_host_ms_}};
    }

  private:
    double now_ms() const {
        return origin_host_ms_ +
               std::chrono::duration<double, std::milli>(SteadyClock::now() - origin_).count();
    }

    void sample_member(const Member &member) {
        PgConnection conn(nullptr, &PQfinish);
        auto next = SteadyClock::now();
        while (running_) {
            auto deadline = SteadyClock::now() + timeout_;
            if (!conn) conn = connect_until(member.params, deadline);
            std::optional<std::string> value;
            if (conn) value = query_value_until(conn.get(), "SELECT pg_is_in_recovery()", deadline);
            if (!value) conn.reset();  // a fresh connection next time: this one may be half dead
            std::optional<bool> writable;
            if (value) writable = *value == "f";
            {
                std::lock_guard lock(mutex_);
                observations_.push_back({member.name, now_ms(), writable});
            }
            next += std::chrono::duration_cast<SteadyClock::duration>(period_);
            if (next < SteadyClock::now()) next = SteadyClock::now();  // late: no burst to catch up
            std::this_thread::sleep_until(next);
        }
    }

    void stop_threads() {
        running_ = false;
        for (auto &t : threads_) t.join();
        threads_.clear();
    }

  public:
    dh::json stop(dh::Host &, const dh::json &) {
        if (!running_ && observations_.empty())
            throw dh::Error(DH_ERR_INVALID_ARGUMENT, "the sampler has not run; start it first");
        stop_threads();
        double stale_ms = 2 * period_.count() * 1000 + timeout_.count();
        auto windows = overlaps(merge(observations_, stale_ms));

        dh::json members = dh::json::object(), transitions = dh::json::array();
        std::map<std::string, std::string> last_state;
        std::map<std::string, double> last_t;
        for (const auto &o : observations_) {
            auto &m = members[o.member];
            if (m.is_null())
                m = {{"samples", 0},
                     {"writable", 0},
                     {"read_only", 0},
                     {"no_answer", 0},
                     {"max_interval_ms", 0.0}};
            m["samples"] = m["samples"].get<int>() + 1;
            const char *key = !o.writable ? "no_answer" : *o.writable ? "writable" : "read_only";
            m[key] = m[key].get<int>() + 1;
            if (last_t.count(o.member))
                m["max_interval_ms"] =
                    std::max(m["max_interval_ms"].get<double>(), o.t_ms - last_t[o.member]);
            last_t[o.member] = o.t_ms;
            std::string state = state_name(o.writable);
            if (last_state[o.member] != state)
                transitions.push_back({{"t_ms", o.t_ms}, {"member", o.member}, {"state", state}});
            last_state[o.member] = state;
        }
        dh::json reported = dh::json::array();
        double total_ms = 0;
        for (const auto &w : windows) {
            reported.push_back({{"start_ms", w.start_ms},
                                {"end_ms", w.end_ms},
                                {"duration_ms", w.duration_ms()},
                                {"members", w.members}});
            total_ms += w.duration_ms();
        }
        return {{"split_brain", !windows.empty()}, {"overlaps", reported},
                {"overlap_total_ms", total_ms},    {"members", members},
                {"transitions", transitions},      {"stale_ms", stale_ms},
                {"started_ms", origin_host_ms_},   {"stopped_ms", now_ms()}};
    }

  private:
    std::vector<Member> members_;
    std::chrono::duration<double> period_{0.05};
    std::chrono::milliseconds timeout_{500};
    std::atomic<bool> running_{false};
    std::vector<std::thread> threads_;
    std::mutex mutex_;
    std::vector<Observation> observations_;
    double origin_host_ms_ = 0;
    SteadyClock::time_point origin_;
};

DRILLHOST_PLUGIN("split-brain", "0.2.0", SplitBrainProbe)
