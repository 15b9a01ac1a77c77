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
        if (target.value("kind", "") == "drillhost-sandbox") {
            auto monitor = host.call(
                "service", {{"host", params.at("host")}, {"service", "watchdog"}, {"action", "status"}});
            if (!monitor.value("running", false))
                throw dh::Error(DH_ERR_INVALID_ARGUMENT,
                                "the embedded cluster runs no watchdog: bring it up with `drillhost sandbox "
                                "up --watchdog`");
            std::string events = member.value("dir", "") + "/watchdog.events.jsonl";
            auto seen = host.exec(where, {"sh", "-c", "cat " + events + " 2>/dev/null; true"});
            return {{"mode", "sandbox"},
                    {"host", params.at("host")},
                    {"events_file", events},
                    {"offset", line_count(seen["stdout"])},
                    {"transport", seen["transport"]}};
        }
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
        if (unconfirmed) {  // nothing is known of what was armed: report nothing, change nothing
            host.warn("watchdog on " + record.value("host", "?") + ": unconfirmed fault, left as it is");
            return;
        }
        json where = {{"transport", record.at("transport")}};
        if (record.at("mode") == "sandbox") {
            auto events = host.exec(
                where,
                {"sh", "-c", "cat " + record.at("events_file").get<std::string>() + " 2>/dev/null; true"});
            int fired = 0;
            for (const auto &line : lines_after(events["stdout"], record.at("offset"))) {
                auto event = json::parse(line, nullptr, false);
                if (event.is_object() && event.value("event", "") == "fired") {
                    ++fired;
                    host.event("watchdog.fired", event);
                }
            }
            if (fired > 0) {  // the host "rebooted": its Patroni comes back, as after a real reboot
                host.call("service",
                          {{"host", record.at("host")}, {"service", "patroni"}, {"action", "start"}});
                host.info("the watchdog fired " + std::to_string(fired) + " time(s) on " +
                          record.at("host").get<std::string>() + "; Patroni started again");
            }
            return;
        }
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
