// The foreign-datadir injector: puts a member's data directory aside and puts a fresh initdb in its
// place, a cluster with another system identifier (the seed's "a member whose data belongs to
// another cluster"). Only while Patroni and PostgreSQL are down on that host: the injector never
// moves a live data directory. Revert: removes the foreign directory and moves the original back.
// The aside name comes from the run and the host, so a revert without a record finds it too.
#include <drillhost/sdk.hpp>

#include "injector_hosts.hpp"

namespace dh = drillhost::sdk;
using namespace drillhost::injectors;

namespace {

struct Paths {
    std::string data_dir, aside;
};

Paths paths_for(dh::Host &host, const json &params) {
    json member = member_of(host.target(), params.at("host"));
    std::string data_dir = params.value("data_dir", member.value("data_dir", ""));
    if (data_dir.empty())
        throw dh::Error(DH_ERR_INVALID_ARGUMENT,
                        "no data_dir for " + params.at("host").get<std::string>() +
                            ": give the param data_dir or members[].data_dir in the target");
    return {data_dir, data_dir + ".drillhost-" + host.run_id()};
}

bool running(dh::Host &host, const std::string &member, const std::string &service) {
    return host.call("service", {{"host", member}, {"service", service}, {"action", "status"}})
        .value("running", true);
}

}  // namespace

struct ForeignDatadirInjector : dh::Injector {
    static constexpr dh::Info info{
        "org.drillhost.injector.foreign-datadir", "foreign-datadir", "0.1.0",
        "Swaps a stopped member's data directory for a fresh initdb (another system id)",
        R"json({
        "type": "object",
        "properties": {
            "host": {"type": "string", "description": "the member; its Patroni and PostgreSQL must be stopped"},
            "data_dir": {"type": "string", "description": "default: members[].data_dir of the target"},
            "bin_dir": {"type": "string", "default": "/usr/lib/postgresql/15/bin", "description": "where initdb is"},
            "os_user": {"type": "string", "default": "postgres", "description": "who owns the data directory"}
        },
        "required": ["host"],
        "additionalProperties": false
    })json"};

    json inject(dh::Host &host, const json &params) override {
        std::string member = params.at("host");
        for (const char *service : {"patroni", "postgres"})
            if (running(host, member, service))
                throw dh::Error(DH_ERR_INVALID_ARGUMENT, std::string(service) + " runs on " + member +
                                                             ": stop it first (the service injector)");
        Paths p = paths_for(host, params);
        std::string user = params.value("os_user", "postgres");
        std::string initdb = params.value("bin_dir", "/usr/lib/postgresql/15/bin") + "/initdb";
        // As root, initdb runs as the data's owner (PostgreSQL refuses root); else as we are.
        std::string script =
            "set -e; test -d \"$1\"; test ! -e \"$2\"; mv \"$1\" \"$2\"; "
            "if [ \"$(id -u)\" = 0 ]; then install -d -o \"$3\" -m 700 \"$1\"; "
            "runuser -u \"$3\" -- \"$4\" -D \"$1\" -A trust >/dev/null; "
            "else \"$4\" -D \"$1\" -A trust >/dev/null; fi";
        host.exec_checked({{"host", member}},
                          {"sh", "-c", script, "foreign-datadir", p.data_dir, p.aside, user, initdb},
                          std::chrono::seconds(120));
        host.info("moved " + p.data_dir + " aside to " + p.aside +
                  " and initdb'd a foreign cluster in its place");
        return {{"host", member}, {"data_dir", p.data_dir}, {"aside", p.aside}};
    }

    void revert(dh::Host &host, const json &record, bool unconfirmed) override {
        std::string member = record.at("host");
        Paths p = unconfirmed ? paths_for(host, record) : Paths{record.at("data_dir"), record.at("aside")};
        if (running(host, member, "patroni"))
            throw dh::Error(DH_ERR_FAILED, "Patroni runs on " + member + " (on the foreign data directory " +
                                               p.data_dir + "): stop it, then run `drillhost recover`");
        // Nothing aside: never applied, or already reverted; the data directory is left alone.
        std::string script = "set -e; test -d \"$2\" || exit 0; rm -rf \"$1\"; mv \"$2\" \"$1\"";
        host.exec_checked({{"host", member}}, {"sh", "-c", script, "foreign-datadir", p.data_dir, p.aside},
                          std::chrono::seconds(120));
        host.info("put the original data directory of " + member + " back in " + p.data_dir);
    }
};

DRILLHOST_PLUGIN("foreign-datadir", "0.1.0", ForeignDatadirInjector)
