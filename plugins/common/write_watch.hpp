// The write load every disruptive drill runs under, and what it tells at the end: the writer probe
// (acknowledged commits, RTO, longest gap, lost ids read from the promoted primary), the
// split-brain sampler (windows with two writable primaries), and the DCS sampler (who held the
// leader key when, and the WAL positions the leader published), against which a failover's lost WAL
// is held: Patroni promises a bound only for the part behind the last published position.
#pragma once

#include "drill_kit.hpp"
#include "service_routing.hpp"

namespace drillhost::drills {

struct WriteOutcome {
    json writes;   // writer stop: acknowledged, rto_ms, longest_gap_ms, failed_commits, ...
    json verify;   // writer verify: lost, lost_ids, primary
    json overlap;  // split-brain stop: split_brain, overlap_total_ms, overlaps
    double rto_ms() const {
        return writes.value("rto_ms", json()).is_number() ? writes["rto_ms"].get<double>() : -1;
    }
    long lost() const { return verify.value("lost", -1L); }
    // Lost writes acknowledged once the new primary was promoted (-1: not asked).
    long lost_after() const {
        return verify.value("lost_after", json()).is_number() ? verify["lost_after"].get<long>() : -1;
    }
    bool split_brain() const { return overlap.value("split_brain", true); }
    double overlap_ms() const { return overlap.value("overlap_total_ms", 0.0); }
    json dcs;                   // dcs stop: holders, publishes (empty when the DCS could not be sampled)
    std::string dcs_error;      // why there is no DCS history
    json published = nullptr;   // the old leader's last publish before the handover {t_ms, lsn, ...}
    json routing;               // haproxy stop: each change of a service's routing (null without services)
    std::string routing_error;  // why the services could not be watched
    std::string scope;          // the cluster's name: its services are <scope>-primary, ...
    std::string old_leader, new_leader;  // of a handover
    double fault_ms = -1;
};

// A leader change the writes went through: who handed over to whom, on which timeline, when.
struct Handover {
    std::string old_leader, new_leader;
    int timeline = 0;            // the new leader's
    double promoted_at_ms = -1;  // host clock; -1: nobody was promoted
};

inline std::string first_ids(const json &ids, size_t count = 10) {
    std::string text;
    for (size_t i = 0; i < ids.size() && i < count; ++i) text += (i ? ", " : "") + ids[i].dump();
    return ids.size() > count ? text + ", ..." : text;
}

// The write load's parameters, declared once with one default for every drill that runs one: a
// drill's schema is dh::params_schema<its own properties, write_load_params>.
inline constexpr dh::Properties write_load_params{R"json(
    "writer_rate_hz": {"type": "number", "minimum": 1, "default": 200, "description": "commits per second per writer client"},
    "settle_s": {"type": "number", "minimum": 0, "default": 2, "description": "seconds of write load before the fault"})json"};

class WriteWatch {
  public:
    // Starts the writer, the split-brain sampler and the DCS sampler on `leader`'s cluster and lets
    // them run params.settle_s before the fault, at params.writer_rate_hz per writer client
    // (write_load_params; the host filled the defaults in).
    void start(const dh::Host &host, const json &params, const std::string &leader) {
        host.phase("write load on " + leader);
        json writer = {{"rate_hz", params.at("writer_rate_hz")}};
        // A cluster with services: two more clients write through the primary service, as the
        // cluster's own clients do, and every node's HAProxy is watched.
        services_ = offers_services(host.target());
        if (services_) writer["service"] = "primary";
        host.operate(writer_probe, "start", writer);
        host.operate(split_brain_probe, "start");
        if (services_) try {
                host.operate(haproxy_probe, "start");
                haproxy_started_ = true;
            } catch (const dh::Error &e) {
                if (e.status() == DH_ERR_CANCELLED) throw;
                routing_error_ = e.what();
            }
        try {  // evidence, not a precondition: a target whose etcd cannot be read still runs the drill
            host.operate(dcs_probe, "start");
            dcs_started_ = true;
        } catch (const dh::Error &e) {
            if (e.status() == DH_ERR_CANCELLED) throw;
            dcs_error_ = e.what();
        }
        host.sleep(std::chrono::milliseconds(static_cast<long>(1000 * params.at("settle_s").get<double>())));
    }

    // Stops all three; RTO counts from `fault_ms` (after a handover, on the new leader's timeline).
    // Lost ids are read once a primary is out of recovery; after a handover those acknowledged
    // after the promotion are counted apart, and the lost WAL is split at the old leader's last
    // published position.
    WriteOutcome stop(const dh::Host &host, double fault_ms, const Handover &handover = {}) {
        WriteOutcome out;
        json stop = {{"fault_ms", fault_ms}};
        if (handover.promoted_at_ms >= 0 && handover.timeline > 0) stop["min_timeline"] = handover.timeline;
        out.writes = host.operate(writer_probe, "stop", stop);
        out.overlap = host.operate(split_brain_probe, "stop");
        out.dcs_error = dcs_error_;
        if (dcs_started_) out.dcs = host.operate(dcs_probe, "stop");
        out.routing_error = routing_error_;
        if (haproxy_started_) out.routing = host.operate(haproxy_probe, "stop");
        out.scope = host.target().value("scope", "");
        out.old_leader = handover.old_leader;
        out.new_leader = handover.new_leader;
        out.fault_ms = fault_ms;
        json verify = json::object();
        if (handover.promoted_at_ms >= 0) {
            verify["after_ms"] = handover.promoted_at_ms;
            std::string switch_lsn = switch_point(host, handover);
            if (!switch_lsn.empty()) verify["switch_lsn"] = switch_lsn;
            out.published = last_publish_of(out.dcs, handover.old_leader, handover.promoted_at_ms);
            if (!out.published.is_null() && !switch_lsn.empty())
                verify["published_lsn"] = out.published["lsn"];
            if (out.published.is_null() && out.dcs_error.empty())
                out.dcs_error = "no position published by " + handover.old_leader + " was seen";
        }
        out.verify = host.operate(writer_probe, "verify", verify);
        return out;
    }

    // Where the new leader's timeline forked from the old one: the last row of its GET /history.
    static std::string switch_point(const dh::Host &host, const Handover &handover) {
        if (handover.new_leader.empty() || handover.timeline < 2) return "";
        try {
            json history =
                host.operate(patroni_rest, "history", {{"member", handover.new_leader}}).at("data");
            for (const auto &row : history)
                if (row.value("timeline", 0) == handover.timeline - 1)
                    return lsn_text(row.at("lsn").get<uint64_t>());
        } catch (const dh::Error &e) {
            if (e.status() == DH_ERR_CANCELLED) throw;
            host.info("no switch point for timeline " + std::to_string(handover.timeline) + ": " + e.what());
        }
        return "";
    }

    // The last position `leader` published while it held the key before `until_ms`, as the DCS
    // sampler saw it (a leader that takes the key back later publishes again: not what the
    // candidate was compared with).
    static json last_publish_of(const json &dcs, const std::string &leader, double until_ms) {
        json last = nullptr;
        for (const auto &p : dcs.value("publishes", json::array()))
            if (p.value("holder", json()) == leader && p.value("t_ms", 0.0) <= until_ms) last = p;
        return last;
    }

    static std::string lsn_text(uint64_t lsn) {
        char text[32];
        std::snprintf(text, sizeof text, "%X/%X", static_cast<unsigned>(lsn >> 32),
                      static_cast<unsigned>(lsn));
        return text;
    }

    // The numbers every such drill reports, and the two checks that hold for all of them.
    // What loss the cluster promises. A planned change, or any change with synchronous_mode, loses
    // no acknowledged commit. An unplanned failover with asynchronous replication may lose the tail
    // the new primary had not received (Patroni bounds it with maximum_lag_on_failover), but never a
    // commit acknowledged after the new primary took over: that is a second primary's write.
    struct Promise {
        bool with_rto = true;   // false where writes go on after the fault (planned, partition, freeze)
        bool zero_loss = true;  // planned, or synchronous_mode
        double promoted_at_ms = -1;
        double maximum_lag_on_failover = -1;  // bytes; the bound of the lost WAL behind the last publish
    };

    static void report(const dh::Host &host, const WriteOutcome &o, const Promise &promise) {
        if (promise.with_rto && o.rto_ms() >= 0) host.measure("rto", o.rto_ms(), "ms");
        host.measure("unavailability", o.writes.value("longest_gap_ms", 0.0), "ms");
        host.measure("acknowledged_writes", o.writes.value("acknowledged", 0), "count");
        host.measure("failed_commits", o.writes.value("failed_commits", 0), "count");
        host.measure("lost_writes", static_cast<double>(o.lost()), "count");
        host.measure("split_brain", o.overlap_ms(), "ms");
        std::string lost_text =
            std::to_string(o.lost()) + " of " + std::to_string(o.verify.value("acknowledged", 0)) +
            (o.lost() > 0 ? " (first ids " + first_ids(o.verify.value("lost_ids", json::array())) + ")" : "");
        if (promise.zero_loss || promise.promoted_at_ms < 0) {
            host.check("no acknowledged write lost", o.lost() == 0, lost_text, "0");
        } else {
            host.measure("lost_after_promotion", static_cast<double>(o.lost_after()), "count");
            host.check("no write lost that was acknowledged after the promotion", o.lost_after() == 0,
                       std::to_string(o.lost_after()) + " (all lost: " + lost_text + ")",
                       "0; asynchronous replication may lose the unreplicated tail before it");
        }
        host.check("never two writable primaries", !o.split_brain(), ms_text(o.overlap_ms()) + " of overlap",
                   "0 ms");
        report_wal_loss(host, o, promise);
        report_service(host, o, promise);
    }

    // What the clients of the primary service saw, beside the direct numbers above: the first
    // write acknowledged through it after the fault (service_rto), its longest silence
    // (service_unavailability), and after a handover when every node's HAProxy routed it to the
    // new leader (service_routed, from the fault), judged against the target's plan when it has one.
    static void report_service(const dh::Host &host, const WriteOutcome &o, const Promise &promise) {
        json route = service_route(o.writes);
        if (route.is_null()) return;
        host.measure("service_unavailability", route.value("longest_gap_ms", 0.0), "ms");
        if (promise.with_rto && route.value("rto_ms", json()).is_number())
            host.measure("service_rto", route["rto_ms"].get<double>(), "ms");
        if (o.routing.is_null()) {
            host.info("the services' routing was not watched: " + o.routing_error);
            return;
        }
        if (o.new_leader.empty() || promise.promoted_at_ms < 0) return;
        std::string service = o.scope + "-primary";
        double routed = routed_everywhere_at(o.routing, service, o.new_leader, o.fault_ms, o.old_leader);
        if (routed >= 0) host.measure("service_routed", routed - o.fault_ms, "ms");
        auto bound = routing_bound(host.target());
        if (!bound) return;
        double after_promotion = routed >= 0 ? routed - promise.promoted_at_ms : -1;
        host.check("the primary service followed the new leader", routed >= 0 && after_promotion <= bound->ms,
                   routed >= 0
                       ? "every node but " + o.old_leader + "'s routed " + service + " to " + o.new_leader +
                             " " + ms_text(std::max(0.0, after_promotion)) + " after its promotion"
                       : "not every node routed " + service + " to " + o.new_leader,
                   "<= " + bound->text() + " after the promotion");
    }

    // The lost WAL beyond the switch point, split at the old leader's last published position:
    // (a) behind it, which Patroni bounds by maximum_lag_on_failover, and (b) written after it,
    // which it cannot see (bounded by loop_wait in time, reported with its duration).
    static void report_wal_loss(const dh::Host &host, const WriteOutcome &o, const Promise &promise) {
        if (!o.verify.contains("wal_loss")) return;
        const json &w = o.verify["wal_loss"];
        host.measure("lost_wal_bytes", w.value("bytes", 0), "bytes");
        host.event("writer.wal_loss",
                   {{"wal_loss", w}, {"published", o.published}, {"dcs_error", o.dcs_error}});
        if (w["behind_published"].is_null()) {
            host.info("the DCS could not be read (" + o.dcs_error +
                      "): " + std::to_string(w.value("writes", 0)) + " acknowledged writes and " +
                      std::to_string(w.value("bytes", 0)) + " bytes of WAL lost beyond the switch point " +
                      w.value("switch_lsn", "") + ", not split at the last published position");
            return;
        }
        long a_bytes = w["behind_published"].value("bytes", 0L),
             b_bytes = w["after_published"].value("bytes", 0L);
        host.measure("lost_behind_published_bytes", static_cast<double>(a_bytes), "bytes");
        host.measure("lost_after_published_bytes", static_cast<double>(b_bytes), "bytes");
        host.measure("lost_after_published_writes", w["after_published"].value("writes", 0), "count");
        double published_ms = o.published.value("t_ms", -1.0);
        double b_ms = w["last_lost_ms"].is_number() && published_ms >= 0
                          ? w["last_lost_ms"].get<double>() - published_ms
                          : 0;
        if (b_bytes > 0) host.measure("lost_after_published_span", std::max(0.0, b_ms), "ms");
        if (!promise.zero_loss && promise.maximum_lag_on_failover >= 0)
            host.check("lost WAL behind the last published position within maximum_lag_on_failover",
                       a_bytes <= promise.maximum_lag_on_failover,
                       std::to_string(a_bytes) + " bytes (switch " + w.value("switch_lsn", "") +
                           ", published " + w.value("published_lsn", "") + "); after the publish: " +
                           std::to_string(b_bytes) + " bytes in " + ms_text(std::max(0.0, b_ms)),
                       "<= " + std::to_string(static_cast<long>(promise.maximum_lag_on_failover)) + " bytes");
    }

  private:
    bool services_ = false, haproxy_started_ = false;
    std::string routing_error_;
    bool dcs_started_ = false;
    std::string dcs_error_;
};

}  // namespace drillhost::drills
