// drillhost C++ SDK: base classes for the three component kinds.
// A component is a class deriving from one of them, with a static `info` describing it:
//
//   struct Hello : drillhost::sdk::Drill {
//       static constexpr drillhost::sdk::Info info{"org.example.hello", "hello", "1.0.0",
//                                                  "Says hello", R"({"type":"object"})"};
//       void run(drillhost::sdk::Host &host, const drillhost::sdk::json &params) override;
//   };
//
// A drill gets one instance per run; a probe one per drill that calls it; an injector a fresh one
// for every inject and every revert (so a record must be enough on its own). No instance is ever
// called from two threads at once.
#pragma once

#include <drillhost/sdk/host.hpp>

namespace drillhost::sdk {

// What the host reads without running anything (see dh_descriptor).
struct Info {
    const char *id;                        // reverse-DNS, unique: "org.example.hello"
    const char *name;                      // short human name
    const char *version;                   // semantic version of the component
    const char *summary;                   // one line
    const char *schema;                    // JSON Schema of the params object
    dh_impact impact = DH_IMPACT_UNKNOWN;  // drills: how much they disturb (orders `run --all`)
};

class Drill {
  public:
    static constexpr dh_kind kind = DH_KIND_DRILL;
    virtual ~Drill() = default;
    // Throw Skip for a failed precondition; let Cancelled propagate; report results with
    // host.check / host.verdict / host.measure.
    virtual void run(Host &host, const json &params) = 0;
};

class Injector {
  public:
    static constexpr dh_kind kind = DH_KIND_INJECTOR;
    virtual ~Injector() = default;
    // Applies the fault and returns a record enough to revert it from another process.
    // On failure it throws and leaves nothing behind.
    virtual json inject(Host &host, const json &params) = 0;
    // Undoes the fault. Idempotent. `unconfirmed`: the injecting process died before inject
    // returned, `record` holds the inject params and the fault may not exist.
    virtual void revert(Host &host, const json &record, bool unconfirmed) = 0;
};

class Probe {
  public:
    static constexpr dh_kind kind = DH_KIND_PROBE;
    virtual ~Probe() = default;
    virtual json sample(Host &host, const json &params) = 0;
};

}  // namespace drillhost::sdk
