// Example drill written with the C++ SDK: inject a fault, observe it, hold it, revert it, observe
// the recovery, with verdicts and measurements. The shape of every real drill, on a marker file.
#include <drillhost/sdk.hpp>

#include <chrono>

namespace dh = drillhost::sdk;

struct MarkerDrill : dh::Drill {
    static constexpr dh::Info info{"org.drillhost.example.marker", "marker", "1.0.0",
                                   "Injects a marker-file fault, holds it, reverts it and checks both",
                                   R"({
        "type": "object",
        "properties": {
            "path": {"type": "string", "minLength": 1, "default": "/tmp/drillhost-example.marker"},
            "hold_ms": {"type": "integer", "minimum": 0, "maximum": 86400000, "default": 200,
                        "description": "how long the fault stays in place, in ms: at most a day, 86400000"}
        },
        "additionalProperties": false
    })"};

    void run(dh::Host &host, const dh::json &params) override {
        const std::string path = params["path"];
        auto exists = [&] {
            return host.operate("org.drillhost.example.file-exists", "exists", {{"path", path}})["exists"];
        };
        if (exists() == true) throw dh::Skip(path + " already exists; remove it or pass --param path=...");

        double t0 = host.now_ms();
        auto fault = host.inject("org.drillhost.example.file", {{"path", path}});
        host.measure("inject_latency", host.now_ms() - t0, "ms");
        host.check("fault visible", exists() == true, "exists=" + exists().dump(), "exists=true");

        host.sleep(std::chrono::milliseconds(params["hold_ms"].get<int64_t>()));

        t0 = host.now_ms();
        host.revert(fault);
        host.measure("revert_latency", host.now_ms() - t0, "ms");
        host.check("fault gone after revert", exists() == false, "exists=" + exists().dump(), "exists=false");
    }
};

DRILLHOST_PLUGIN("example-marker-drill", "1.0.0", MarkerDrill)
