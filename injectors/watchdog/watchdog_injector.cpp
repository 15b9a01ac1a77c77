// The watchdog injector: arms a watchdog on one host for a fencing drill, and reports every firing
// as an event.
//   - Embedded cluster (brought up with --watchdog): Patroni's testing driver writes to a FIFO that
//     drillhost's monitor reads; when Patroni stops feeding it, the monitor kills Patroni and the
//     postmaster, as a reboot would. Revert reports the firings and starts Patroni again (the host
//     "rebooted").
//   - Real hosts: loads softdog with soft_noboot=1 (it logs instead of rebooting) and hands
//     /dev/watchdog to postgres. Revert reports softdog's kernel messages, gives the device back
//     to its previous owner and unloads softdog if this fault loaded it.
#include <drillhost/sdk.hpp>

#include <algorithm>
#include <sstream>

#include "injector_hosts.hpp"
#include "patroni_calls.hpp"

namespace dh = drillhost::sdk;
using namespace drillhost::injectors;

namespace {

int line_count(const std::string &text) {
    return static_cast<int>(std::count(text.begin(), text.end(), '\n'));
}

std::vector<std::string> lines_after(const std::string &text, int skip) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    int n = 0;
    for (std::string line; std::getline(in, line); ++n)
        if (n >= skip && !line.empty()) lines.push_back(line);
    return lines;
}

// The embedded cluster's watchdog: Patroni's testing driver on a FIFO read by drillhost's monitor.
// A cluster brought up without --watchdog gets one at run time: the monitor started, the member's
// patroni.yml (JSON, written by the sandbox) given a required testing watchdog, and POST /reload;
// a leader activates it on its next loop. The original file is kept beside it until the revert, so
// even a revert without a record (the run died mid-inject) can put it back.
std::string backup_of(const std::string &config) {
    return config + ".drillhost-watchdog";
}

std::vector<json> events_since(dh::Host &host, const json &where, const std::string &file, int offset) {
    auto text = host.exec(where, {"sh", "-c", "cat \"$1\" 2>/dev/null; true", "sh", file});
    std::vector<json> events;
    for (const auto &line : lines_after(text.value("stdout", ""), offset)) {
        auto event = json::parse(line, nullptr, false);
        if (event.is_object()) events.push_back(event);
    }
    return events;
}

bool seen(const std::vector<json> &events, const std::string &name) {
    return std::any_of(events.begin(), events.end(),
                       [&](const json &e) { return e.value("event", "") == name; });
}

double ttl_of(dh::Host &host) {
    return host.operate(patroni_rest, "config").at("data").value("ttl", 30.0);
}

template <class Ready>
bool wait_for(dh::Host &host, double seconds, Ready ready) {
    for (double deadline = host.now_ms() + 1000 * seconds;;) {
        if (ready()) return true;
        if (host.now_ms() > deadline) return false;
        host.sleep(std::chrono::milliseconds(200));
    }
}

void reload(dh::Host &host, const std::string &name) {
    auto reply = host.operate(patroni_rest, "reload", {{"member", name}});
    if (!reply.value("ok", false))
        throw dh::Error(DH_ERR_FAILED, "POST /reload on " + name + " refused: " + reply.dump());
}

// Puts back the patroni.yml this fault rewrote; true when there was one.
bool restore_config(dh::Host &host, const json &member, const json &where) {
    std::string config = member.value("dir", "") + "/patroni.yml";
    auto moved =
        host.exec(where, {"sh", "-c", "test -f \"$1\" && mv \"$1\" \"$2\"", "sh", backup_of(config), config});
    return moved.value("exit_code", 1) == 0;
}

// Arming after the original config was saved: the monitor, the rewritten config, and the leader's
// first "armed" event. Returns the member's role; throws, and the caller undoes what was done.
std::string arm_steps(dh::Host &host, const std::string &name, const json &where, json config,
                      const std::string &dir, json &record, bool start_monitor, bool configured) {
    std::string events = dir + "/watchdog.events.jsonl", fifo = dir + "/watchdog.fifo";
    std::string config_file = dir + "/patroni.yml";
    if (start_monitor) {
        host.call("service", {{"host", name}, {"service", "watchdog"}, {"action", "start"}});
        if (!wait_for(host, 10, [&] {
                return host.exec(where, {"test", "-p", fifo}).value("exit_code", 1) == 0;
            }))
            throw dh::Error(DH_ERR_FAILED, "the watchdog monitor of " + name + " made no FIFO at " + fifo);
    }
    if (!configured) {
        config["watchdog"] = {
            {"mode", "required"}, {"driver", "testing"}, {"device", fifo}, {"safety_margin", 5}};
        host.exec_checked(where, {"sh", "-c", "printf '%s\\n' \"$1\" > \"$2.new\" && mv \"$2.new\" \"$2\"",
                                  "sh", config.dump(2), config_file});
        record["reloaded"] = true;
        reload(host, name);
    }
    // Only a leader opens its watchdog: wait for that, so the fault is in when inject returns.
    auto role = host.operate(patroni_rest, "patroni", {{"member", name}}).at("data").value("role", "");
    if (role == "primary" && !wait_for(host, ttl_of(host), [&] {
            return seen(events_since(host, where, events, record["offset"]), "armed");
        }))
        throw dh::Error(DH_ERR_FAILED, "the leader " + name + " did not open its watchdog within ttl; see " +
                                           dir + "/patroni.log");
    return role;
}

json arm_sandbox(dh::Host &host, const json &member, json where) {
    std::string name = member.value("name", ""), dir = member.value("dir", "");
    std::string events = dir + "/watchdog.events.jsonl";
    std::string config_file = dir + "/patroni.yml";
    json record = {{"mode", "sandbox"}, {"host", name}, {"events_file", events}};
    auto seen_before = host.exec(where, {"sh", "-c", "cat \"$1\" 2>/dev/null; true", "sh", events});
    record["offset"] = line_count(seen_before.value("stdout", ""));
    record["transport"] = seen_before["transport"];
    where = {{"transport", record["transport"]}};

    json config =
        json::parse(host.exec_checked(where, {"cat", config_file}).value("stdout", ""), nullptr, false);
    if (!config.is_object())
        throw dh::Error(DH_ERR_FAILED, config_file +
                                           " is not the JSON the embedded cluster writes; "
                                           "arm the watchdog with `sandbox up --watchdog` instead");
    bool configured = config.value("watchdog", json::object()).value("mode", "off") == "required";
    auto monitor = host.call("service", {{"host", name}, {"service", "watchdog"}, {"action", "status"}});
    bool start_monitor = !monitor.value("running", false);
    record["started_monitor"] = start_monitor;
    record["rewrote_config"] = !configured;
    if (configured && !start_monitor) return record;  // brought up with --watchdog

    // The original first: from here on a revert without a record finds it, and with it the sign
    // that the monitor is this fault's (a cluster without a watchdog in its config runs none).
    if (!configured) host.exec_checked(where, {"cp", "-n", config_file, backup_of(config_file)});
    std::string role;
    try {
        role = arm_steps(host, name, where, config, dir, record, start_monitor, configured);
    } catch (...) {
        // A failed inject must leave nothing behind (the host does not revert it): the original
        // config back, the monitor this fault started stopped. Best effort: the first error is the
        // one to report.
        try {
            if (!configured && restore_config(host, member, where) && record.value("reloaded", false))
                reload(host, name);
            if (start_monitor)
                host.call("service", {{"host", name}, {"service", "watchdog"}, {"action", "stop"}});
        } catch (const dh::Error &) {
        }
        throw;
    }
    host.info("watchdog armed on " + name +
              (role == "primary" ? " (leader: active)" : " (active once it leads)"));
    return record;
}

// The run died while arming: no record says what was started. A config this fault rewrote is put
// back; the member then has no watchdog in its config, so a monitor running there is this fault's
// and is stopped, but only once Patroni closed the device (a monitor stopped under an armed
// watchdog would leave Patroni's required watchdog failing).
void disarm_unconfirmed(dh::Host &host, const std::string &name) {
    json member = member_of(host.target(), name);
    json where = {{"host", name}};
    if (!restore_config(host, member, where)) return;
    reload(host, name);
    std::string events = member.value("dir", "") + "/watchdog.events.jsonl";
    auto still_armed = [&] {
        std::string last;
        for (const auto &event : events_since(host, where, events, 0)) {
            std::string e = event.value("event", "");
            if (e == "armed" || e == "disarmed" || e == "closed" || e == "fired") last = e;
        }
        return last == "armed" || last == "closed";
    };
    // Patroni acts on the reload in its next loop; a reload the dead run sent may be acted on first.
    json config = host.operate(patroni_rest, "config").at("data");
    host.sleep(std::chrono::milliseconds(static_cast<long>(1000 * config.value("loop_wait", 10.0) + 500)));
    if (!wait_for(host, config.value("ttl", 30.0), [&] { return !still_armed(); })) {
        host.warn("watchdog on " + name + ": Patroni still holds it open; its monitor is left running");
        return;
    }
    host.call("service", {{"host", name}, {"service", "watchdog"}, {"action", "stop"}});
}

void disarm_sandbox(dh::Host &host, const json &record) {
    json where = {{"transport", record.at("transport")}};
    std::string name = record.at("host");
    json member = member_of(host.target(), name);
    auto events = events_since(host, where, record.at("events_file"), record.at("offset"));
    int fired = 0;
    for (const auto &event : events)
        if (event.value("event", "") == "fired") ++fired, host.event("watchdog.fired", event);
    bool restored = record.value("rewrote_config", false) && restore_config(host, member, where);
    if (fired > 0) {  // the host "rebooted": its Patroni comes back, as after a real reboot
        host.call("service", {{"host", name}, {"service", "patroni"}, {"action", "start"}});
        host.info("the watchdog fired " + std::to_string(fired) + " time(s) on " + name +
                  "; Patroni started again");
    } else if (restored) {
        reload(host, name);
        // Patroni closes the device (magic close) on its next loop; the monitor must outlive that.
        if (seen(events, "armed"))
            wait_for(host, ttl_of(host), [&] {
                auto now = events_since(host, where, record.at("events_file"), record.at("offset"));
                return seen(now, "disarmed") || seen(now, "closed");
            });
    }
    if (record.value("started_monitor", false))
        host.call("service", {{"host", name}, {"service", "watchdog"}, {"action", "stop"}});
}

}  // namespace

struct WatchdogInjector : dh::Injector {
    static constexpr dh::Info info{
        "org.drillhost.injector.watchdog", "watchdog", "0.1.0",
        "Arms a watchdog on a host (softdog, or the embedded cluster's monitor); reports firings",
        R"json({
        "type": "object",
        "properties": {
            "host": {"type": "string", "description": "the member whose watchdog to arm"},
            "soft_margin_s": {"type": "integer", "minimum": 1, "default": 60, "description": "real hosts: softdog's soft_margin"}
        },
        "required": ["host"],
        "additionalProperties": false
    })json"};

    json inject(dh::Host &host, const json &params) override {
        json target = host.target();
        json member = member_of(target, params.at("host"));
        json where = {{"host", params.at("host")}};
        if (target.value("kind", "") == "drillhost-sandbox") return arm_sandbox(host, member, where);
        auto loaded = host.exec(where, {"sh", "-c", "grep -q '^softdog ' /proc/modules"});
        bool load = loaded.value("exit_code", 1) != 0;
        json record = {{"mode", "softdog"},
                       {"host", params.at("host")},
                       {"transport", loaded["transport"]},
                       {"loaded_by_us", load}};
        where = {{"transport", loaded["transport"]}};
        record["dmesg_offset"] = line_count(host.exec(where, {"dmesg"}).value("stdout", ""));
        if (load)
            host.exec_checked(where, {"modprobe", "softdog", "soft_noboot=1",
                                      "soft_margin=" + std::to_string(params.value("soft_margin_s", 60))});
        record["previous_owner"] =
            host.exec_checked(where, {"stat", "-c", "%U:%G", "/dev/watchdog"})["stdout"];
        host.exec_checked(where, {"chown", "postgres:postgres", "/dev/watchdog"});
        return record;
    }

    void revert(dh::Host &host, const json &record, bool unconfirmed) override {
        if (unconfirmed) {
            // Nothing is known of what was armed, but a config this fault rewrote is put back.
            if (host.target().value("kind", "") == "drillhost-sandbox")
                disarm_unconfirmed(host, record.at("host"));
            host.warn("watchdog on " + record.value("host", "?") +
                      ": unconfirmed fault, firings not reported");
            return;
        }
        json where = {{"transport", record.at("transport")}};
        if (record.at("mode") == "sandbox") return disarm_sandbox(host, record);
        for (const auto &line :
             lines_after(host.exec(where, {"dmesg"}).value("stdout", ""), record.at("dmesg_offset")))
            if (line.find("softdog") != std::string::npos)
                host.event("watchdog.fired", {{"host", record.at("host")}, {"kernel", line}});
        std::string owner = record.value("previous_owner", "root:root");
        while (!owner.empty() && owner.back() == '\n') owner.pop_back();
        host.exec_checked(where, {"chown", owner, "/dev/watchdog"});
        if (record.value("loaded_by_us", false))
            host.exec(where, {"rmmod", "softdog"});  // busy while Patroni holds it
    }
};

DRILLHOST_PLUGIN("watchdog", "0.1.0", WatchdogInjector)
