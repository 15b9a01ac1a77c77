// The service injector: stop, kill with a signal, or restart patroni, postgres (the postmaster
// Patroni runs), the DCS (etcd) or the node's routing (haproxy, pgbouncer) on one host, through the host's
// service backend (the embedded cluster's supervisor, or systemd over the host's transport). Revert brings
// back what was stopped: Patroni and etcd are started again; PostgreSQL is Patroni's to restart, so revert
// waits for it and, if Patroni did not (a paused cluster), asks Patroni to (POST /restart). It starts it
// itself only when that did not work and the member still holds the leader key: started by hand, a postmaster
// comes up as the primary it was.
#include <drillhost/sdk.hpp>

#include <array>

#include "injector_hosts.hpp"
#include "patroni_calls.hpp"

namespace dh = drillhost::sdk;
using namespace drillhost::injectors;

struct ServiceInjector : dh::Injector {
    static constexpr dh::Info info{"org.drillhost.injector.service", "service", "0.1.0",
                                   "Stops, kills or restarts patroni, postgres, etcd, haproxy or pgbouncer "
                                   "on a host; revert brings it back",
                                   R"json({
        "type": "object",
        "properties": {
            "host": {"type": "string", "description": "the member whose service to hit"},
            "service": {"enum": ["patroni", "postgres", "etcd", "haproxy", "pgbouncer"], "default": "patroni"},
            "action": {"enum": ["stop", "kill", "restart"], "default": "stop",
                       "description": "stop: graceful (postgres: fast shutdown); kill: send `signal`; restart: stop then start"},
            "signal": {"type": "string", "default": "SIGKILL", "description": "for kill: SIGKILL, SIGTERM, SIGINT, ..."},
            "restart_wait_s": {"type": "number", "minimum": 0, "default": 60,
                               "description": "revert of postgres: how long to let Patroni restart it before starting it"}
        },
        "required": ["host"],
        "additionalProperties": false
    })json"};

    // A service started by hand (outside Patroni, or Patroni itself while a drill holds it stopped)
    // is something a drill creates: `start` is an act whose undo, `stop_started`, the host calls
    // when the drill ends (or `recover` after a crash).
    static constexpr auto operations() {
        using Op = dh::Operation<ServiceInjector>;
        return std::array{
            Op{"start", dh::Effect::act,
               "Starts a stopped service by hand; stop_started (the undo) stops it again",
               R"({"type": "object",
                   "properties": {"host": {"type": "string"}, "service": {"enum": ["patroni", "postgres", "etcd"]}},
                   "required": ["host", "service"], "additionalProperties": false})",
               R"({"type": "object",
                   "properties": {"host": {"type": "string"}, "service": {"type": "string"}, "pid": {"type": "integer"},
                                  "running": {"type": "boolean"}, "backend": {"type": "object"}},
                   "required": ["host", "service", "pid", "running", "backend"], "additionalProperties": false})",
               &ServiceInjector::start, "stop_started"},
            Op{"stop_started", dh::Effect::act,
               "Stops what start started, unless it has been handed over: a postgres Patroni now runs",
               R"({"type": "object",
                   "properties": {"record": {"type": "object", "required": ["host", "service"]},
                                  "unconfirmed": {"type": "object", "required": ["host", "service"]}},
                   "additionalProperties": false})",
               R"({"type": "object", "properties": {"stopped": {"type": "boolean"}, "why": {"type": "string"}},
                   "required": ["stopped", "why"], "additionalProperties": false})",
               &ServiceInjector::stop_started},
        };
    }

    json start(dh::Host &host, const json &params) {
        json request = {{"host", params.at("host")}, {"service", params.at("service")}, {"action", "status"}};
        if (host.call("service", request).value("running", false))
            throw dh::Error(DH_ERR_INVALID_ARGUMENT,
                            params.at("service").get<std::string>() + " already runs on " +
                                params.at("host").get<std::string>() + ": not ours to start");
        request["action"] = "start";
        // Not running right after: it may have exited by itself already (a Patroni that refuses its
        // data directory); the caller judges. The undo stops it if it runs then.
        json after = host.call("service", request);
        return {{"host", params.at("host")},
                {"service", params.at("service")},
                {"pid", after.value("pid", 0)},
                {"running", after.value("running", false)},
                {"backend", after["backend"]}};
    }

    // Idempotent. A postgres started outside Patroni belongs to Patroni once Patroni runs on the
    // host (it adopts the postmaster): then it is left alone.
    json stop_started(dh::Host &host, const json &params) {
        // Unconfirmed, it may have been running before (start refuses then): stopping a Patroni or an
        // etcd a user relies on is worse than leaving one started by hand, so it is left alone.
        if (!params.contains("record"))
            return {{"stopped", false},
                    {"why", "unconfirmed: the start may not have been ours; left as it is"}};
        const json &made = params["record"];
        std::string service = made.at("service");
        json request = {{"host", made.at("host")}, {"service", service}, {"action", "status"}};
        if (!host.call("service", request).value("running", false))
            return {{"stopped", false}, {"why", "not running"}};
        if (service == "postgres") {
            json patroni = {{"host", made.at("host")}, {"service", "patroni"}, {"action", "status"}};
            if (host.call("service", patroni).value("running", false))
                return {{"stopped", false}, {"why", "Patroni runs on the host and manages it"}};
        }
        request["action"] = "stop";
        host.call("service", request);
        return {{"stopped", true}, {"why", "started by a drill"}};
    }

    json inject(dh::Host &host, const json &params) override {
        std::string service = params.value("service", "patroni"), action = params.value("action", "stop");
        json request = {{"host", params.at("host")}, {"service", service}, {"action", "status"}};
        json before = host.call("service", request);
        if (!before.value("running", false))
            throw dh::Error(DH_ERR_FAILED, service + " is not running on " +
                                               params.at("host").get<std::string>() + ": nothing to " +
                                               action);
        request["action"] = action;
        request["signal"] = params.value("signal", "SIGKILL");
        json after = host.call("service", request);
        host.info(action + " " + service + " on " + params.at("host").get<std::string>() + ": pid " +
                  std::to_string(before.value("pid", 0)) +
                  (after.value("running", false) ? ", running again" : ", down"));
        return {{"backend", after["backend"]}, {"host", params.at("host")},
                {"service", service},          {"action", action},
                {"pid_before", before["pid"]}, {"restart_wait_s", params.value("restart_wait_s", 60.0)}};
    }

    void revert(dh::Host &host, const json &record, bool unconfirmed) override {
        json request =
            unconfirmed ? json{{"host", record.at("host")}, {"service", record.value("service", "patroni")}}
                        : json{{"backend", record.at("backend")}};
        std::string service = record.value("service", "patroni");
        // A run that died between the ledger and the end of its stop may have left the
        // service on its way down: still running now, gone a moment later, and a start that sees it
        // running does nothing (the kill -9 campaign left a replica's Patroni dead that way). The
        // stop is finished first, bounded by the backend's grace, so the start below is real.
        // PostgreSQL is Patroni's to bring back, below.
        if (unconfirmed && service != "postgres" && record.value("action", "stop") == "stop") {
            json stop = request;
            stop["action"] = "stop";
            host.call("service", stop);
        }
        request["action"] = "status";
        auto deadline = host.now_ms() + 1000 * record.value("restart_wait_s", 60.0);
        if (service == "postgres") {  // Patroni's job first: starting it behind Patroni's back would race it
            // No Patroni on the host (a node-lost drill killed both): a postmaster started by hand
            // would come up as the old primary next to the new one. Patroni starts it, as a replica,
            // when its own fault is reverted.
            json patroni = {{"host", record.at("host")}, {"service", "patroni"}, {"action", "status"}};
            if (!host.call("service", patroni).value("running", false)) {
                host.info("Patroni is not running on " + record.at("host").get<std::string>() +
                          ": PostgreSQL is left for it to start");
                return;
            }
            while (!host.call("service", request).value("running", false) && host.now_ms() < deadline)
                host.sleep(std::chrono::milliseconds(250));
        }
        if (service == "postgres" && !host.call("service", request).value("running", false)) {
            std::string member = member_of(record);
            // A POST /restart to a Patroni that does not answer (frozen, hung) would only wait out
            // the probe's write timeout.
            if (!member.empty() && patroni_answers(host, member))
                start_through_patroni(host, record, request);
            if (!host.call("service", request).value("running", false) && !member.empty()) {
                // Started by hand, this postmaster comes up as the primary it was: next to a leader
                // that took over, a second writable primary. Only the member that still holds the
                // leader key (a paused cluster) may get it back that way; otherwise its Patroni
                // starts it, as a replica, once it acts again (a freeze in the ledger is undone by
                // recover).
                std::string leader = leader_of_cluster(host);
                if (leader != member)
                    return host.warn("PostgreSQL on " + member + " is left stopped: " +
                                     (leader.empty() ? "no member could say who leads"
                                                     : leader + " holds the leader key") +
                                     ", and started by hand it would be a second primary. Its Patroni "
                                     "starts it once it acts again");
            }
        }
        if (!host.call("service", request).value("running", false)) {
            request["action"] = "start";
            json after = host.call("service", request);
            if (!after.value("running", false))
                throw dh::Error(DH_ERR_FAILED, "started " + service + " again, but it is not running");
            host.info("started " + service + " again: pid " + std::to_string(after.value("pid", 0)));
        }
        if (service == "postgres") wait_accepting(host, record, deadline);
    }

  private:
    static std::string member_of(const json &record) {
        return record.value("host", record.value("backend", json::object()).value("member", ""));
    }

    // Whether the member's Patroni answers its REST API: a frozen one takes the connection and
    // never replies, and a POST /restart to it would wait out the probe's write timeout for nothing.
    static bool patroni_answers(dh::Host &host, const std::string &member) {
        try {
            host.operate(patroni_rest, "patroni", {{"member", member}, {"timeout_ms", 2000}});
            return true;
        } catch (const dh::Error &e) {
            if (e.status() == DH_ERR_CANCELLED) throw;
            return false;
        }
    }

    // Who holds the leader key, as the first member that answers sees it; "" when none answers, none
    // leads, or two claim it.
    static std::string leader_of_cluster(dh::Host &host) {
        json cluster;
        try {
            cluster = host.operate(patroni_rest, "cluster", {{"timeout_ms", 2000}}).at("data");
        } catch (const dh::Error &e) {
            if (e.status() == DH_ERR_CANCELLED) throw;
            return "";
        }
        std::string leader;
        for (const auto &m : cluster.value("members", json::array())) {
            std::string role = m.value("role", "");
            if (role != "leader" && role != "standby_leader") continue;
            if (!leader.empty()) return "";  // two claim it: nobody to trust
            leader = m.value("name", "");
        }
        return leader;
    }

    // PostgreSQL that Patroni did not start again by itself, a paused cluster's (maintenance mode:
    // a kill -9 of a primary-down-maintenance run leaves exactly that), is started through Patroni,
    // as `patronictl restart` does (POST /restart): one started behind its back with pg_ctl stays
    // "stopped" in Patroni 3.0.2's /cluster, even after the resume. The backend's start stays the
    // fallback, for a Patroni that does not answer.
    static void start_through_patroni(dh::Host &host, const json &record, const json &status) {
        std::string member = member_of(record);
        if (member.empty()) return;
        try {
            auto reply = host.operate(patroni_rest, "restart", {{"member", member}});
            if (!reply.value("ok", false))
                return host.warn("POST /restart on " + member + ": " + reply.dump());
        } catch (const dh::Error &e) {
            return host.warn("POST /restart on " + member + " failed: " + e.what());
        }
        double until = host.now_ms() + 30000;  // Patroni answers once it started it; a margin
        while (!host.call("service", status).value("running", false) && host.now_ms() < until)
            host.sleep(std::chrono::milliseconds(250));
        host.info("started postgres again through Patroni (POST /restart on " + member + ")");
    }

    // A postmaster that runs may still be starting up; back means accepting connections again.
    static void wait_accepting(dh::Host &host, const json &record, double deadline) {
        std::string member =
            record.value("host", record.value("backend", json::object()).value("member", ""));
        if (member.empty()) return;
        for (;;) {
            try {
                host.operate("org.drillhost.probe.sql", "status", {{"member", member}});
                return;
            } catch (const dh::Error &e) {
                if (e.status() == DH_ERR_NOT_FOUND)
                    return host.warn("no sql probe loaded: not waiting for connections");
                if (host.now_ms() > deadline) throw;
            }
            host.sleep(std::chrono::milliseconds(250));
        }
    }
};

DRILLHOST_PLUGIN("service", "0.1.0", ServiceInjector)
