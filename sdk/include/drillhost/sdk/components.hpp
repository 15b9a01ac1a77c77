// drillhost C++ SDK: base classes for the three component kinds.
// A component is a class deriving from one of them, with a static `info` describing it:
//
//   struct Hello : drillhost::sdk::Drill {
//       static constexpr drillhost::sdk::Info info{"org.example.hello", "hello", "1.0.0",
//                                                  "Says hello", R"({"type":"object"})"};
//       void run(drillhost::sdk::Host &host, const drillhost::sdk::json &params) override;
//   };
//
// A drill gets one instance per run; a probe one per drill that calls it (all its operations run on
// it); an injector a fresh one for every inject and every revert (so a record must be enough on its
// own), and a probe's undo operation run at the end of a drill or by `recover` a fresh one too. No instance
// is ever called from two threads at once.
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
    // A JSON array of the ids and short names it had before, so that ledgers and scripts naming
    // them still find it: R"(["org.example.old-id", "old-name"])". nullptr when it was never renamed.
    const char *aliases = nullptr;
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

// What an operation does to the cluster (dh_effect). A fault is an injector's inject, not declared.
enum class Effect : dh_effect { observe = DH_EFFECT_OBSERVE, act = DH_EFFECT_ACT };

// ABI 1.3: one operation of a probe (or injector), handled by a member function of T. A component
// lists them in a static constexpr function `operations()` returning a std::array of them:
//
//   static constexpr auto operations() {
//       return std::array{
//           dh::Operation<Sql>{"status", dh::Effect::observe, "The member's HA view",
//                              status_params, status_result, &Sql::status},
//           dh::Operation<Sql>{"execute", dh::Effect::act, "Runs statements", ..., &Sql::execute},
//       };
//   }
//
// The host validates params against `params_schema` (defaults filled in) before the handler runs,
// and the result against `result_schema` in tests and at debug level. An act that creates
// something names the operation that removes it in `undo` (see dh_operation.undo for its params).
template <class T>
struct Operation {
    const char *name;
    Effect effect;
    const char *summary;
    const char *params_schema;
    const char *result_schema;
    json (T::*handler)(Host &host, const json &params);
    const char *undo = nullptr;
};

// A probe offers operations (preferred, ABI 1.3: declare `operations()`, see Operation), or one
// sample() with a single params schema (ABI 1.2 style, still supported).
class Probe {
  public:
    static constexpr dh_kind kind = DH_KIND_PROBE;
    virtual ~Probe() = default;
    virtual json sample(Host &, const json &) {
        throw Error(DH_ERR_INTERNAL, "this probe offers operations, not sample()");
    }
};

}  // namespace drillhost::sdk
