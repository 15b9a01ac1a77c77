// The freeze injector: SIGSTOP a service's processes on one host (a hung process, a VM pause);
// revert SIGCONT. A frozen Patroni keeps its leader key only until the key's TTL runs out, and
// a frozen leader's PostgreSQL keeps accepting writes: the drills measure what follows.
#include <drillhost/sdk.hpp>

#include "injector_hosts.hpp"

namespace dh = drillhost::sdk;
using namespace drillhost::injectors;

struct FreezeInjector : dh::Injector {
    static constexpr dh::Info info{"org.drillhost.injector.freeze", "freeze", "0.1.0",
                                   "SIGSTOPs patroni, postgres or etcd on a host; revert SIGCONTs it",
                                   R"json({
        "type": "object",
        "properties": {
            "host": {"type": "string", "description": "the member whose service to freeze"},
            "service": {"enum": ["patroni", "postgres", "etcd"], "default": "patroni"}
        },
        "required": ["host"],
        "additionalProperties": false
    })json"};

    json inject(dh::Host &host, const json &params) override {
        json request = {{"host", params.at("host")}, {"service", params.value("service", "patroni")}};
        request["action"] = "status";
        if (!host.call("service", request).value("running", false))
            throw dh::Error(DH_ERR_FAILED, request["service"].get<std::string>() + " is not running on " +
                                               params.at("host").get<std::string>() + ": nothing to freeze");
        request["action"] = "freeze";
        json result = host.call("service", request);
        host.info("froze " + request["service"].get<std::string>() + " on " +
                  params.at("host").get<std::string>() + " (pid " + std::to_string(result.value("pid", 0)) +
                  ")");
        return {{"backend", result["backend"]}, {"service", request["service"]}};
    }

    void revert(dh::Host &host, const json &record, bool unconfirmed) override {
        // SIGCONT to a process that is not stopped does nothing, so an unconfirmed revert is safe.
        json request =
            unconfirmed ? json{{"host", record.at("host")}, {"service", record.value("service", "patroni")}}
                        : json{{"backend", record.at("backend")}};
        request["action"] = "thaw";
        host.call("service", request);
    }
};

DRILLHOST_PLUGIN("freeze", "0.1.0", FreezeInjector)
