// The patroni-rest probe: every read and write of Patroni's REST API a drill needs, against the
// target's members (the embedded cluster's state file or --target), asking the next member when
// one does not answer. Replies are checked and normalised by patroni_reply.cpp.
#include <drillhost/sdk.hpp>

#include <array>

#include "patroni_reply.hpp"
#include "patroni_rest_schemas.hpp"
#include "rest_client.hpp"
#include "silent_members.hpp"

namespace dh = drillhost::sdk;
using drillhost::probes::ReplyOrigin;
using drillhost::probes::RestOptions;
using drillhost::probes::RestReply;

namespace {

drillhost::probes::SilentMembers silent_members;  // one per process: every call benefits

struct TargetMember {
    std::string name;
    std::string url;  // "http://10.213.7.11:8008"
};

std::vector<TargetMember> members_of(const dh::json &target) {
    std::vector<TargetMember> members;
    for (const auto &m : target.value("members", dh::json::array())) {
        std::string url = m.value("rest_url", "");
        if (url.empty()) {  // a --target file may give Patroni's own api_url ("…/patroni")
            url = m.value("api_url", "");
            if (auto at = url.rfind("/patroni"); at != std::string::npos) url.resize(at);
        }
        if (!url.empty()) members.push_back({m.value("name", url), url});
    }
    if (members.empty())
        throw dh::Error(DH_ERR_INVALID_ARGUMENT,
                        "the target lists no member with a REST URL (members[].rest_url or api_url); "
                        "bring the sandbox up or pass --target");
    return members;
}

RestOptions rest_options(const dh::json &target, const dh::json &params) {
    RestOptions options;
    const auto restapi = target.value("restapi", dh::json::object());
    if (!restapi.is_object())
        throw dh::Error(
            DH_ERR_INVALID_ARGUMENT,
            "the target's restapi must be a mapping (username, password, cacert, cert, key, insecure), "
            "not " +
                restapi.dump());
    options.username = restapi.value("username", "");
    options.password = restapi.value("password", "");
    options.cacert = restapi.value("cacert", "");
    options.cert = restapi.value("cert", "");
    options.key = restapi.value("key", "");
    options.insecure = restapi.value("insecure", false);
    options.timeout_ms = params.value("timeout_ms", 3000);
    options.connect_timeout_ms = std::min<long>(options.timeout_ms, 1000);
    return options;
}

struct Call {
    std::string method;
    std::string path;
    std::vector<long> success;  // the documented codes of a write that did what was asked
};

Call call_for(const std::string &request, const dh::json &params) {
    if (request == "health") {
        std::string path = "/" + params.value("check", std::string("health"));
        std::string query;
        if (params.contains("lag"))
            query += "lag=" +
                     (params["lag"].is_string() ? params["lag"].get<std::string>() : params["lag"].dump());
        for (const auto &[k, v] : params.value("tags", dh::json::object()).items())
            query += (query.empty() ? "" : "&") + std::string("tag_") + k + "=" +
                     (v.is_string() ? v.get<std::string>() : v.dump());
        return {"GET", path + (query.empty() ? "" : "?" + query), {200}};
    }
    if (request == "switchover") return {"POST", "/switchover", {200, 202}};
    if (request == "cancel_switchover") return {"DELETE", "/switchover", {200}};
    if (request == "failover") return {"POST", "/failover", {200}};
    if (request == "patch_config") return {"PATCH", "/config", {200}};
    if (request == "restart") return {"POST", "/restart", {200, 202}};
    if (request == "reinitialize") return {"POST", "/reinitialize", {200}};
    if (request == "reload") return {"POST", "/reload", {200, 202}};
    return {"GET", "/" + request, {200}};  // cluster, patroni, history, config, failsafe, metrics
}

// Patroni's documented meaning of a write call's status code.
std::string outcome_of(long status) {
    switch (status) {
        case 200:
            return "done";
        case 202:
            return "scheduled";
        case 400:
            return "bad request";
        case 401:
            return "unauthorized: set restapi username/password in the target";
        case 404:
            return "nothing to do";
        case 412:
            return "not possible";
        case 503:
            return "failed";
        default:
            return "unexpected status";
    }
}

dh::json parsed(const std::string &request, const RestReply &reply, const ReplyOrigin &origin) {
    if (request == "cluster") return drillhost::probes::parse_cluster(reply.body, origin);
    if (request == "patroni") return drillhost::probes::parse_patroni(reply.body, origin);
    if (request == "history") return drillhost::probes::parse_history(reply.body, origin);
    if (request == "failsafe") return drillhost::probes::parse_failsafe(reply.body, origin);
    if (request == "config" || request == "patch_config")
        return drillhost::probes::parse_config(reply.body, origin);
    return reply.body;  // metrics: Prometheus text
}

}  // namespace

// Each REST call is an operation: reads observe, writes act (planned changes: nothing to undo; the
// injectors that change Patroni's config or maintenance mode revert what they change).
struct PatroniRestProbe : dh::Probe {
    static constexpr dh::Info info{
        "org.drillhost.probe.patroni-rest", "patroni-rest", "0.2.0",
        "Patroni's REST API: cluster, member, history, config, health checks and the write calls",
        R"({"type": "object"})"};

    using Op = dh::Operation<PatroniRestProbe>;
    static constexpr auto operations() {
        namespace s = drillhost::probes::schemas;
        constexpr auto observe = dh::Effect::observe;
        constexpr auto act = dh::Effect::act;
        using P = PatroniRestProbe;
        return std::array{
            Op{"cluster", observe, "GET /cluster: every member, its role, state, lag", s::read_params,
               s::cluster_result, &P::cluster},
            Op{"patroni", observe, "GET /patroni: one member's own view", s::read_params, s::patroni_result,
               &P::patroni},
            Op{"history", observe, "GET /history: the timeline switches", s::read_params, s::history_result,
               &P::history},
            Op{"config", observe, "GET /config: the dynamic configuration", s::read_params, s::config_result,
               &P::config},
            Op{"failsafe", observe, "GET /failsafe: the members a failsafe leader may ask", s::read_params,
               s::failsafe_result, &P::failsafe},
            Op{"metrics", observe, "GET /metrics: Prometheus text", s::read_params, s::metrics_result,
               &P::metrics},
            Op{"health", observe, "GET /<check> on every member: Patroni's health endpoints",
               s::health_params, s::health_result, &P::health},
            Op{"switchover", act, "POST /switchover: a planned leader change", s::switchover_params,
               s::write_result, &P::switchover},
            Op{"cancel_switchover", act, "DELETE /switchover: cancels a scheduled switchover",
               s::write_params, s::write_result, &P::cancel_switchover},
            Op{"failover", act, "POST /failover: a manual failover to a candidate", s::switchover_params,
               s::write_result, &P::failover},
            Op{"patch_config", act, "PATCH /config: changes the dynamic configuration (retried on 409)",
               s::write_params, s::write_result, &P::patch_config},
            Op{"restart", act, "POST /restart: restarts a member's PostgreSQL", s::write_params,
               s::write_result, &P::restart},
            Op{"reinitialize", act, "POST /reinitialize: rebuilds a replica from the leader", s::write_params,
               s::write_result, &P::reinitialize},
            Op{"reload", act, "POST /reload: Patroni rereads its configuration file", s::write_params,
               s::write_result, &P::reload},
        };
    }

    dh::json cluster(dh::Host &host, const dh::json &params) { return ask(host, "cluster", params); }
    dh::json patroni(dh::Host &host, const dh::json &params) { return ask(host, "patroni", params); }
    dh::json history(dh::Host &host, const dh::json &params) { return ask(host, "history", params); }
    dh::json config(dh::Host &host, const dh::json &params) { return ask(host, "config", params); }
    dh::json failsafe(dh::Host &host, const dh::json &params) { return ask(host, "failsafe", params); }
    dh::json metrics(dh::Host &host, const dh::json &params) { return ask(host, "metrics", params); }
    dh::json health(dh::Host &host, const dh::json &params) { return ask(host, "health", params); }
    dh::json switchover(dh::Host &host, const dh::json &params) { return ask(host, "switchover", params); }
    dh::json cancel_switchover(dh::Host &host, const dh::json &params) {
        return ask(host, "cancel_switchover", params);
    }
    dh::json failover(dh::Host &host, const dh::json &params) { return ask(host, "failover", params); }
    dh::json patch_config(dh::Host &host, const dh::json &params) {
        return ask(host, "patch_config", params);
    }
    dh::json restart(dh::Host &host, const dh::json &params) { return ask(host, "restart", params); }
    dh::json reinitialize(dh::Host &host, const dh::json &params) {
        return ask(host, "reinitialize", params);
    }
    dh::json reload(dh::Host &host, const dh::json &params) { return ask(host, "reload", params); }

  private:
    dh::json ask(dh::Host &host, const std::string &request, const dh::json &params) {
        dh::json target = host.target();
        // `url`: a Patroni outside the target (a second cluster a drill built), asked alone.
        auto members = params.contains("url") ? std::vector<TargetMember>{{params["url"].get<std::string>(),
                                                                           params["url"].get<std::string>()}}
                                              : members_of(target);
        RestOptions options = rest_options(target, params);
        const RestOptions read_options = options;
        Call call = call_for(request, params);
        if (call.method != "GET") options.timeout_ms = params.value("write_timeout_ms", 60000);
        std::string body = params.contains("body") ? params["body"].dump() : "";
        std::string only = params.value("member", "");
        if (!only.empty()) {
            std::erase_if(members, [&](const TargetMember &m) { return m.name != only; });
            if (members.empty())
                throw dh::Error(DH_ERR_INVALID_ARGUMENT, "no member '" + only + "' in the target");
        }

        if (request == "health") {  // a health check is about each member: ask them all
            dh::json results = dh::json::object();
            for (const auto &m : members) {
                RestReply reply = drillhost::probes::rest_call(call.method, m.url + call.path, "", options);
                results[m.name] = {
                    {"status", reply.status}, {"ok", reply.status == 200}, {"error", reply.error}};
            }
            return {{"request", "health"}, {"check", params.value("check", "health")}, {"members", results}};
        }

        silent_members.ask_answering_first(members);
        std::string unreachable;
        // PATCH /config is a compare-and-set against the member's cached view of the DCS: a 409
        // means that view was older than the key and nothing was written, so it is safe to ask
        // again (any member, once its view caught up). Bounded: a few seconds.
        dh::json conflict;
        for (int round = 0;; ++round) {
            for (const auto &m : members) {
                // A write is never repeated on another member once sent, so it goes only to a member
                // whose REST API answers now: a frozen Patroni accepts the connection and never replies.
                if (call.method != "GET" && members.size() > 1) {
                    RestReply alive =
                        drillhost::probes::rest_call("GET", m.url + "/liveness", "", read_options);
                    if (alive.status == 0) {
                        silent_members.silent(m.url);
                        unreachable += "\n  " + m.url + "/liveness: " + alive.error;
                        continue;
                    }
                }
                RestReply reply = drillhost::probes::rest_call(call.method, m.url + call.path, body, options);
                if (reply.status == 0) {
                    silent_members.silent(m.url);
                    // A write that reached a member may have been acted on: never repeat it elsewhere.
                    if (call.method != "GET" && reply.connected)
                        throw dh::Error(DH_ERR_FAILED, call.method + " " + m.url + call.path +
                                                           " sent, but no answer (" + reply.error +
                                                           "); check the cluster before retrying");
                    unreachable += "\n  " + m.url + call.path + ": " + reply.error;  // ask the next member
                    continue;
                }
                silent_members.answered(m.url);
                ReplyOrigin origin{call.method + " " + m.url + call.path, reply.status};
                dh::json result = {{"request", request}, {"member", m.name}, {"status", reply.status}};
                if (call.method != "GET") {
                    bool ok = std::find(call.success.begin(), call.success.end(), reply.status) !=
                              call.success.end();
                    result["ok"] = ok;
                    result["outcome"] = outcome_of(reply.status);
                    result["message"] = reply.body;
                    if (ok && request == "patch_config") result["data"] = parsed(request, reply, origin);
                    if (request == "patch_config" && reply.status == 409) {
                        conflict = result;
                        continue;
                    }
                    return result;
                }
                if (reply.status != 200)  // a read that answered badly is a finding, not a reason to move on
                    throw dh::Error(DH_ERR_FAILED, origin.endpoint + " answered HTTP " +
                                                       std::to_string(reply.status) + ": " +
                                                       reply.body.substr(0, 200));
                try {
                    result["data"] = parsed(request, reply, origin);
                } catch (const drillhost::probes::ReplyError &e) {
                    throw dh::Error(DH_ERR_FAILED, e.what());
                }
                return result;
            }
            if (conflict.is_null() || round >= 20) break;
            host.sleep(std::chrono::milliseconds(500));
        }
        if (!conflict.is_null()) return conflict;  // still 409 after ~10 s: the caller reports it
        throw dh::Error(DH_ERR_UNAVAILABLE,
                        "no member answered " + call.method + " " + call.path + ":" + unreachable);
    }
};

DRILLHOST_PLUGIN("patroni-rest", "0.2.0", PatroniRestProbe)
