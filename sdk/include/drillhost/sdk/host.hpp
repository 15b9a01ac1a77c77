// drillhost C++ SDK: a typed view of the host table (dh_host) for plugin code.
// Header-only; needs C++20 and nlohmann-json. Every failed host call throws sdk::Error.
#pragma once

#include <drillhost/plugin_api.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace drillhost::sdk {

using json = nlohmann::json;

// A failure with the ABI status to report. Thrown by Host on a failed host call; throw it from a
// component to choose the status the host sees (any other std::exception reports DH_ERR_FAILED).
class Error : public std::runtime_error {
  public:
    Error(dh_status status, const std::string &message) : std::runtime_error(message), status_(status) {}
    dh_status status() const noexcept { return status_; }

  private:
    dh_status status_;
};

// Thrown when the run was cancelled (timeout, SIGINT); let it propagate out of run().
class Cancelled : public Error {
  public:
    explicit Cancelled(const std::string &what = "cancelled") : Error(DH_ERR_CANCELLED, what) {}
};

// Thrown by a drill whose precondition does not hold: the verdict is "skipped", not "failed".
class Skip : public Error {
  public:
    explicit Skip(const std::string &reason) : Error(DH_ERR_SKIPPED, reason) {}
};

enum class Verdict { pass = DH_VERDICT_PASS, fail = DH_VERDICT_FAIL, skip = DH_VERDICT_SKIP };

// A fault injected through the host; the host reverts it at the end of the drill if the drill did not.
struct Fault {
    uint64_t id = 0;
    std::string injector;
};

// Thin, copyable wrapper over the host table. Thread-safe, like the table itself.
class Host {
  public:
    // `component`: the id log lines are attributed to (NULL: the drill being run).
    explicit Host(const dh_host *host, const char *component = nullptr)
        : host_(host), component_(component) {}

    const dh_host *raw() const noexcept { return host_; }

    void log(dh_severity severity, const std::string &message) const {
        host_->log(host_, severity, component_, message.c_str());
    }
    void debug(const std::string &message) const { log(DH_LOG_DEBUG, message); }
    void info(const std::string &message) const { log(DH_LOG_INFO, message); }
    void warn(const std::string &message) const { log(DH_LOG_WARN, message); }
    void error(const std::string &message) const { log(DH_LOG_ERROR, message); }

    // Monotonic time since an arbitrary epoch, in milliseconds (the journal's clock).
    double now_ms() const { return static_cast<double>(host_->monotonic_ns(host_)) / 1e6; }

    bool cancelled() const { return host_->is_cancelled(host_) != 0; }
    // Throws Cancelled when the run must stop; call it between steps.
    void check_cancelled() const {
        if (cancelled()) throw Cancelled();
    }
    // Sleeps, waking early and throwing Cancelled when the run is cancelled.
    void sleep(std::chrono::milliseconds duration) const {
        expect(host_->sleep_ms(host_, static_cast<uint64_t>(duration.count())), "sleep");
    }

    void event(const std::string &name, const json &details = json::object()) const {
        expect(host_->record_event(host_, name.c_str(), details.dump().c_str()), "record_event " + name);
    }

    // A step of the drill ("fault", "waiting for a new leader"): an event named "phase", which
    // `drillhost run` prints as progress with the time elapsed in the drill.
    void phase(const std::string &what) const { event("phase", {{"phase", what}}); }

    json probe(const std::string &probe_id, const json &params = json::object()) const {
        char *raw = nullptr;
        expect(host_->call_probe(host_, probe_id.c_str(), params.dump().c_str(), &raw), "probe " + probe_id);
        std::unique_ptr<char, Releaser> owned(raw, Releaser{host_});
        return json::parse(raw ? raw : "null");
    }

    // ABI 1.3: operation `operation` of component `component_id` (see plugin_api.h,
    // call_operation): an observation, an act (journalled; one that creates something is undone at
    // the end of the drill), or an injector's "inject".
    json operate(const std::string &component_id, const std::string &operation,
                 const json &params = json::object()) const {
        char *raw = nullptr;
        expect(host_->call_operation(host_, component_id.c_str(), operation.c_str(), params.dump().c_str(),
                                     &raw),
               component_id + "." + operation);
        std::unique_ptr<char, Releaser> owned(raw, Releaser{host_});
        return json::parse(raw ? raw : "null");
    }

    Fault inject(const std::string &injector_id, const json &params = json::object()) const {
        Fault fault{0, injector_id};
        expect(host_->inject_fault(host_, injector_id.c_str(), params.dump().c_str(), &fault.id),
               "inject " + injector_id);
        return fault;
    }

    void revert(const Fault &fault) const {
        expect(host_->revert_fault(host_, fault.id), "revert " + fault.injector);
    }

    void measure(const std::string &name, double value, const std::string &unit) const {
        expect(host_->emit_measurement(host_, name.c_str(), value, unit.c_str()), "measurement " + name);
    }

    void verdict(const std::string &name, Verdict verdict, const std::string &observed,
                 const std::string &bound) const {
        expect(host_->emit_verdict(host_, name.c_str(), static_cast<dh_verdict>(verdict), observed.c_str(),
                                   bound.c_str()),
               "verdict " + name);
    }

    // Emits pass or fail from `holds` and returns it, so a drill can go on or stop.
    bool check(const std::string &name, bool holds, const std::string &observed,
               const std::string &bound) const {
        verdict(name, holds ? Verdict::pass : Verdict::fail, observed, bound);
        return holds;
    }

    json target() const {
        const char *text = host_->target_json(host_);
        return json::parse(text && *text ? text : "{}");
    }

    // ABI 1.1: one of the host's capabilities ("exec", "service", "context"; see plugin_api.h).
    json call(const std::string &capability, const json &request = json::object()) const {
        char *raw = nullptr;
        expect(host_->call(host_, capability.c_str(), request.dump().c_str(), &raw), capability);
        std::unique_ptr<char, Releaser> owned(raw, Releaser{host_});
        return json::parse(raw ? raw : "null");
    }

    // Runs argv on `where`: {"host": "pg-1"} or {"transport": <from an earlier result>}. The result
    // has exit_code, signal, timed_out, stdout, stderr and the transport used.
    json exec(json where, const std::vector<std::string> &argv,
              std::chrono::milliseconds timeout = std::chrono::seconds(30)) const {
        where["argv"] = argv;
        where["timeout_ms"] = timeout.count();
        return call("exec", where);
    }

    // As exec, and throws Error(DH_ERR_FAILED) with the command's stderr unless it exited 0.
    json exec_checked(const json &where, const std::vector<std::string> &argv,
                      std::chrono::milliseconds timeout = std::chrono::seconds(30)) const {
        json result = exec(where, argv, timeout);
        if (result.value("exit_code", -1) != 0 || result.value("timed_out", false)) {
            std::string command;
            for (const auto &word : argv) command += (command.empty() ? "" : " ") + word;
            throw Error(DH_ERR_FAILED,
                        "`" + command + "` on " + result["transport"].dump() +
                            (result.value("timed_out", false)
                                 ? " timed out"
                                 : " exited " + std::to_string(result.value("exit_code", -1))) +
                            ": " + result.value("stderr", "") + result.value("stdout", ""));
        }
        return result;
    }

    // The run's id, e.g. to tag what an injector makes so recover finds exactly that.
    std::string run_id() const { return call("context").value("run_id", ""); }

  private:
    struct Releaser {
        const dh_host *host;
        void operator()(char *p) const { host->free_string(host, p); }
    };

    void expect(dh_status status, const std::string &what) const {
        if (status == DH_OK) return;
        std::string message = what + ": " + host_->last_error(host_);
        if (status == DH_ERR_CANCELLED) throw Cancelled(message);
        throw Error(status, message);
    }

    const dh_host *host_;
    const char *component_;
};

}  // namespace drillhost::sdk
