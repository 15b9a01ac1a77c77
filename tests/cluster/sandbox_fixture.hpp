// What every cluster test needs: a sandbox of its own (state dir in a temp dir, torn down at the
// end), the drillhost binary driven as a user drives it, and a check for leftovers.
#pragma once

#include <doctest/doctest.h>
#include <drillhost/sandbox/http_get.hpp>
#include <drillhost/sandbox/sandbox_state.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "process.hpp"
#include "temp_dir.hpp"

namespace fs = std::filesystem;
namespace sb = drillhost::sandbox;

inline namespace cluster_fixture {

inline bool contains(const std::string &text, const std::string &part) {
    return text.find(part) != std::string::npos;
}

inline std::string shell(const std::string &command) {
    std::string output;
    if (FILE *pipe = popen(command.c_str(), "r")) {
        char buffer[4096];
        while (size_t n = fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
        pclose(pipe);
    }
    return output;
}

// What the sandbox may leave behind, machine-wide; all empty after `down`.
inline std::string leftovers(const fs::path &state_dir) {
    std::string found;
    if (!shell("ip netns list | grep '^dh-'").empty()) found += "namespaces; ";
    if (!shell("ip -o link show | grep -E 'dhbr0|dhv-'").empty()) found += "links; ";
    std::string dir = state_dir.string();  // "[/]tmp/..." so pgrep does not find its own shell
    if (!shell("pgrep -f '[" + dir.substr(0, 1) + "]" + dir.substr(1) + "'").empty()) found += "processes; ";
    if (!shell("iptables-save 2>/dev/null | grep drillhost-sandbox").empty()) found += "iptables rules; ";
    if (fs::exists(state_dir / "sandbox")) found += "directory; ";
    if (!shell("getent passwd drillhost-dba; ls /etc/sudoers.d/drillhost-dba 2>/dev/null").empty())
        found += "the admin user; ";
    return found;
}

// The member Patroni calls leader, as the first member's REST API says ("" when none is).
// drillhost's own temporary files in /tmp, the test fixtures' directories aside: a test must leave none.
inline std::set<std::string> drillhost_temp_files() {
    std::set<std::string> names;
    for (const auto &entry : fs::directory_iterator(fs::temp_directory_path())) {
        std::string name = entry.path().filename().string();
        if (name.rfind("drillhost", 0) == 0 && name.rfind("drillhost-test-", 0) != 0) names.insert(name);
    }
    return names;
}

inline std::string current_leader(const sb::SandboxState &state) {
    auto cluster = nlohmann::json::parse(
        sb::http_get(state.members[0].rest_url() + "/cluster", std::chrono::seconds(2), state.rest_cacert())
            .body,
        nullptr, false);
    if (!cluster.is_object()) return "";  // pg-1 not answering (stopped, frozen, cut off)
    for (const auto &m : cluster.value("members", nlohmann::json::array()))
        if (m["role"] == "leader") return m["name"];
    return "";
}

// The psql command line for one member, as the superuser.
inline std::string psql(const sb::SandboxState &state, const sb::Member &member) {
    return "psql 'host=" + member.address +
           " user=postgres dbname=postgres password=" + state.superuser_password + "' -X -v ON_ERROR_STOP=1";
}

// What a member holds that a drill could leave behind or an observation could change, one line per
// object: tables (every schema but the system ones), roles, replication slots, settings not at their
// default (session and client ones aside: they are the connection's), and when the postmaster started.
// "" when the member does not answer.
inline std::string member_objects(const sb::SandboxState &state, const sb::Member &member) {
    const char *query =
        "SELECT string_agg(x, E'\\n' ORDER BY x) FROM ("
        " SELECT 'table ' || n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = "
        "c.relnamespace WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S') AND n.nspname NOT IN ('pg_catalog', "
        "'information_schema') AND n.nspname NOT LIKE 'pg_toast%'"
        " UNION ALL SELECT 'role ' || rolname FROM pg_roles"
        " UNION ALL SELECT 'slot ' || slot_name FROM pg_replication_slots"
        " UNION ALL SELECT 'setting ' || name || '=' || setting FROM pg_settings WHERE source NOT IN "
        "('default', 'session', 'client')"
        " UNION ALL SELECT 'postmaster ' || pg_postmaster_start_time()) t(x)";
    return shell(psql(state, member) + " -At -c \"" + query + "\" 2>/dev/null");
}

// The objects drillhost's own name for things would mark: drillhost_* and pgbench_* tables,
// drillhost* roles and slots, one per line with the member's name ("" when there are none).
inline std::string drillhost_objects(const sb::SandboxState &state) {
    std::string found;
    for (const auto &m : state.members) {
        std::string objects = member_objects(state, m);
        if (objects.empty()) found += m.name + ": no answer\n";
        size_t start = 0;
        while (start < objects.size()) {
            size_t end = objects.find('\n', start);
            std::string line =
                objects.substr(start, end == std::string::npos ? std::string::npos : end - start);
            start = end == std::string::npos ? objects.size() : end + 1;
            bool ours = contains(line, "table public.drillhost_") ||
                        contains(line, "table public.pgbench_") || contains(line, "role drillhost") ||
                        contains(line, "slot drillhost");
            if (ours) found += m.name + ": " + line + "\n";
        }
    }
    return found;
}

// The Patroni the cluster tests bring up (DRILLHOST_TEST_PATRONI: `sandbox up --patroni`), "" for
// Debian's. With one, every sandbox runs at ttl 20 unless a test asks otherwise: Patroni 3.2 and
// later raise anything lower to 20 (docs/patroni-versions.md).
inline std::string patroni_under_test() {
    const char *path = std::getenv("DRILLHOST_TEST_PATRONI");
    return path ? path : "";
}

struct Sandbox;
// A switchover from the current leader to another member through the patroni-rest probe, retried
// for a few seconds (right after bring-up Patroni may still refuse with 412). Returns the candidate.
std::string switch_leader(const Sandbox &s, const sb::SandboxState &state, const std::string &plugins);

struct Sandbox {
    TempDir dir;
    fs::path state_dir = dir.path() / "state";
    std::set<std::string> temp_files_before = drillhost_temp_files();
    Sandbox() {
        fs::permissions(dir.path(), fs::perms::others_exec | fs::perms::group_exec, fs::perm_options::add);
    }

    // A drill against a real cluster takes a while: `limit` is a guard against a hang, not a bound.
    Finished drillhost(std::vector<std::string> args,
                       std::chrono::milliseconds limit = std::chrono::minutes(10)) const {
        args.insert(args.begin(), {"--state-dir", state_dir.string()});
        return run_drillhost(args, dir.path(), limit);
    }
    sb::SandboxState up(std::vector<std::string> options = {}) const {
        std::vector<std::string> args{"sandbox", "up"};
        if (!patroni_under_test().empty()) {
            args.insert(args.end(), {"--patroni", patroni_under_test()});
            if (std::find(options.begin(), options.end(), "--ttl") == options.end())
                args.insert(args.end(), {"--ttl", "20"});
        }
        args.insert(args.end(), options.begin(), options.end());
        auto r = drillhost(args);
        REQUIRE_MESSAGE(r.exit_code == 0, r.err);
        auto state = sb::load_state(state_dir);
        REQUIRE(state.has_value());
        return *state;
    }
    ~Sandbox() {
        drillhost({"sandbox", "down"});
        CHECK_MESSAGE(drillhost_temp_files() == temp_files_before, "drillhost left temporary files in /tmp");
    }
};

inline std::string switch_leader(const Sandbox &s, const sb::SandboxState &state,
                                 const std::string &plugins) {
    std::string old_leader = current_leader(state);
    std::string candidate = old_leader == "pg-1" ? "pg-2" : "pg-1";
    bool switched = eventually(
        [&] {
            auto r = s.drillhost(
                {"--load", plugins, "--format", "json", "probe", "patroni-rest", "switchover", "-p",
                 "body={\"leader\":\"" + old_leader + "\",\"candidate\":\"" + candidate + "\"}"});
            auto reply = nlohmann::json::parse(r.out, nullptr, false);
            return r.exit_code == 0 && reply.is_object() && reply.value("ok", false);
        },
        std::chrono::seconds(5));
    REQUIRE_MESSAGE(switched, "no switchover from " << old_leader << " to " << candidate);
    return candidate;
}

}  // namespace cluster_fixture
