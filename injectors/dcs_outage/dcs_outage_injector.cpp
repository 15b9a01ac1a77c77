// The dcs-outage injector: stop or freeze every DCS (etcd) member, or one host's, so Patroni cannot
// reach its DCS. The DCS members are the target's members that run etcd (the embedded cluster says
// which; a real target lists them in "dcs_members"). Revert starts or thaws each again.
#include <drillhost/sdk.hpp>

#include "injector_hosts.hpp"

namespace dh = drillhost::sdk;
using namespace drillhost::injectors;

namespace {

std::vector<std::string> dcs_members(const json &target, const json &params) {
    if (params.contains("host")) {
        member_of(target, params["host"]);  // an unknown host is refused before anything runs
        return {params["host"].get<std::string>()};
    }
    if (target.contains("dcs_members")) return target["dcs_members"].get<std::vector<std::string>>();
    std::vector<std::string> names;
    for (const auto &m : target.value("members", json::array()))
        if (m.value("runs_etcd", false)) names.push_back(m.value("name", ""));
    if (names.empty())
        throw dh::Error(DH_ERR_INVALID_ARGUMENT,
                        "the target does not say which hosts run the DCS: add dcs_members: [names] to it");
    return names;
}

}  // namespace

struct DcsOutageInjector : dh::Injector {
    static constexpr dh::Info info{
        "org.drillhost.injector.dcs-outage", "dcs-outage", "0.1.0",
        "Stops or freezes every DCS member (or one host's); revert brings them back",
        R"json({
        "type": "object",
        "properties": {
            "host": {"type": "string", "description": "only this host's DCS member (default: all of them)"},
            "mode": {"enum": ["stop", "freeze"], "default": "stop",
                     "description": "stop: the members exit; freeze: SIGSTOP (they hang, connections stay open)"}
        },
        "additionalProperties": false
    })json"};

    json inject(dh::Host &host, const json &params) override {
        std::string mode = params.value("mode", "stop");
        json backends = json::array();
        try {
            for (const auto &member : dcs_members(host.target(), params)) {
                auto result = host.call("service", {{"host", member}, {"service", "etcd"}, {"action", mode}});
                backends.push_back(result["backend"]);
            }
        } catch (...) {
            bring_back(host, backends, mode);  // never leave half an outage behind
            throw;
        }
        host.info(mode + " of " + std::to_string(backends.size()) + " DCS member(s)");
        return {{"backends", backends}, {"mode", mode}};
    }

    void revert(dh::Host &host, const json &record, bool unconfirmed) override {
        json backends = json::array();
        if (unconfirmed) {  // the params: find the members again in the run's target
            for (const auto &member : dcs_members(host.target(), record))
                backends.push_back(host.call(
                    "service", {{"host", member}, {"service", "etcd"}, {"action", "status"}})["backend"]);
        } else {
            backends = record.at("backends");
        }
        bring_back(host, backends, record.value("mode", "stop"));
    }

  private:
    static void bring_back(dh::Host &host, const json &backends, const std::string &mode) {
        // Every member is tried even if one fails; the first failure is reported after.
        std::string failure;
        for (const auto &backend : backends) {
            try {
                host.call("service", {{"backend", backend}, {"action", "thaw"}});  // harmless when not frozen
                if (mode == "stop" && !host.call("service", {{"backend", backend}, {"action", "status"}})
                                           .value("running", false))
                    host.call("service", {{"backend", backend}, {"action", "start"}});
            } catch (const dh::Error &e) {
                if (failure.empty()) failure = e.what();
            }
        }
        if (!failure.empty()) throw dh::Error(DH_ERR_FAILED, failure);
    }
};

DRILLHOST_PLUGIN("dcs-outage", "0.1.0", DcsOutageInjector)
