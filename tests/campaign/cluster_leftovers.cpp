#include "cluster_leftovers.hpp"

#include <unistd.h>

#include <drillhost/core/redact.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "cluster_queries.hpp"

namespace campaign {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

std::string slurp(const fs::path &path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

std::vector<std::string> words_of(const std::string &text) {
    std::vector<std::string> words;
    std::istringstream in(text);
    for (std::string w; in >> w;) words.push_back(w);
    return words;
}

bool starts_with(const std::string &text, const std::string &prefix) {
    return text.rfind(prefix, 0) == 0;
}

// What a service process is, from its command line: "patroni <config>", "etcd --name=<member>",
// "postgres -D <data>" (the postmaster; its children rename themselves "postgres: ..."), or "" for
// anything else (backends, psql, a pg_ctl on its way).
std::string service_key(const std::string &cmdline) {
    auto words = words_of(cmdline);
    if (words.empty()) return "";
    std::string program = fs::path(words[0]).filename().string();
    for (size_t i = 0; i + 1 < words.size(); ++i)
        if (fs::path(words[i]).filename() == "patroni" && i <= 1) return "patroni " + words[i + 1];
    if (program == "etcd")
        for (const auto &w : words)
            if (starts_with(w, "--name=")) return "etcd " + w;
    if (program == "postgres")
        for (size_t i = 1; i + 1 < words.size(); ++i)
            if (words[i] == "-D") return "postgres -D " + words[i + 1];
    return "";
}

bool in_a_member(const sb::SandboxState &state, pid_t pid) {
    for (const auto &m : state.members)
        if (!m.netns.empty() && in_netns(pid, m.netns)) return true;
    return false;
}

pid_t parent_of(pid_t pid) {
    std::string stat = slurp("/proc/" + std::to_string(pid) + "/stat");
    auto close_paren = stat.rfind(')');
    if (close_paren == std::string::npos) return 0;
    std::istringstream rest(stat.substr(close_paren + 1));
    char state = 0;
    pid_t ppid = 0;
    rest >> state >> ppid;
    return ppid;
}

std::string comm_of(pid_t pid) {
    std::string comm = slurp("/proc/" + std::to_string(pid) + "/comm");
    while (!comm.empty() && comm.back() == '\n') comm.pop_back();
    return comm;
}

// Temporary files drillhost may leave: /tmp/drillhost*, and anything in $TMPDIR when it is not
// /tmp (the campaign gives every drillhost it starts a TMPDIR of its own, where no other job on the
// machine writes). Full paths.
std::set<std::string> tmp_files_now() {
    std::set<std::string> paths;
    std::error_code ec;
    for (const auto &entry : fs::directory_iterator("/tmp", ec)) {
        std::string name = entry.path().filename().string();
        // The test, fuzz and install harnesses' own directories and files, and the build lock, are
        // not drillhost's leftovers (and other jobs on this machine make them at any time).
        if (starts_with(name, "drillhost") && !starts_with(name, "drillhost-test-") &&
            !starts_with(name, "drillhost-fuzz-") && !starts_with(name, "drillhost-install-test-") &&
            name != "drillhost-build.lock")
            paths.insert(entry.path().string());
    }
    const char *tmpdir = std::getenv("TMPDIR");
    if (tmpdir && *tmpdir && fs::path(tmpdir) != "/tmp")
        for (const auto &entry : fs::directory_iterator(tmpdir, ec)) paths.insert(entry.path().string());
    return paths;
}

// drillhost's own files in the member directories: a scratch cluster's directory, anything kept
// aside with a ".drillhost-" suffix (a patroni.yml before the watchdog, a data directory).
std::set<std::string> drillhost_member_files(const sb::SandboxState &state) {
    std::set<std::string> names;
    for (const auto &m : state.members) {
        std::error_code ec;
        for (const auto &entry : fs::directory_iterator(m.dir, ec)) {
            std::string name = entry.path().filename().string();
            if (starts_with(name, "scratch-") || name.find(".drillhost-") != std::string::npos)
                names.insert(m.name + "/" + name);
        }
    }
    return names;
}

std::string json_text(const json &value) {
    return value.is_string() ? value.get<std::string>() : value.dump();
}

}  // namespace

std::string scrub(const sb::SandboxState &state, std::string text) {
    for (const std::string *secret :
         {&state.superuser_password, &state.replication_password, &state.rest_password}) {
        if (secret->empty()) continue;
        for (size_t at; (at = text.find(*secret)) != std::string::npos;)
            text.replace(at, secret->size(), "***");
    }
    return drillhost::redact_text(text);
}

std::multiset<std::string> service_processes(const sb::SandboxState &state) {
    std::multiset<std::string> services;
    for (const auto &m : state.members) {
        if (m.netns.empty()) continue;
        for (pid_t pid : netns_pids(m.netns)) {
            if (state_of(pid) == 'Z') continue;
            std::string key = service_key(cmdline_of(pid));
            if (!key.empty()) services.insert(m.name + ": " + key);
        }
    }
    return services;
}

std::map<pid_t, std::string> outside_processes(const sb::SandboxState &state, const fs::path &state_dir) {
    std::set<pid_t> ours;  // this process and its ancestors: their command lines may name the state dir
    for (pid_t p = ::getpid(); p > 1; p = parent_of(p)) ours.insert(p);
    std::string dir = state_dir.string();
    pid_t self = ::getpid();
    std::map<pid_t, std::string> found;
    for (const auto &entry : fs::directory_iterator("/proc")) {
        std::string name = entry.path().filename().string();
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;
        pid_t pid = std::stoi(name);
        if (ours.count(pid) || in_a_member(state, pid)) continue;
        char st = state_of(pid);
        if (st == 0 || st == 'Z') continue;
        std::string cmdline = cmdline_of(pid);
        bool adopted = parent_of(pid) == self;
        bool names_dir = !dir.empty() && cmdline.find(dir) != std::string::npos;
        if (adopted || names_dir || comm_of(pid) == "pgbench")
            found[pid] = cmdline.empty() ? "[" + comm_of(pid) + "]" : cmdline;
    }
    return found;
}

Baseline take_baseline(const sb::SandboxState &state, const fs::path &state_dir) {
    Baseline b;
    auto config = patroni_get_any(state, "/config");
    if (!config) throw std::runtime_error("no member answers GET /config: no baseline");
    b.dynamic_config = *config;
    for (const auto &m : state.members) b.patroni_yml[m.name] = slurp(m.patroni_config());
    b.services = service_processes(state);
    b.outside = outside_processes(state, state_dir);
    b.tmp_files = tmp_files_now();
    b.member_files = drillhost_member_files(state);
    return b;
}

void check_iptables(const sb::SandboxState &state, std::vector<std::string> &found) {
    auto look = [&](const std::string &where, const std::vector<std::string> &argv) {
        auto ran = run_program(argv, std::chrono::seconds(15));
        if (ran.exit_code != 0) {
            found.push_back(where + ": cannot list iptables rules (exit " + std::to_string(ran.exit_code) +
                            "): " + ran.err);
            return;
        }
        // Every rule a drillhost injector adds carries the comment "drillhost:<run>:<tag>"; the
        // sandbox's own root-namespace rule says "drillhost-sandbox" and is not a fault.
        std::istringstream lines(ran.out);
        int count = 0;
        std::set<std::string> tags;
        for (std::string line; std::getline(lines, line);) {
            auto at = line.find("drillhost:");
            if (at == std::string::npos) continue;
            ++count;
            tags.insert(line.substr(at, line.find_first_of("\" ", at) - at));
        }
        if (count == 0) return;
        std::string tag_list;
        for (const auto &t : tags) tag_list += (tag_list.empty() ? "" : ", ") + t;
        found.push_back(where + ": " + std::to_string(count) + " iptables rule(s) tagged by drillhost (" +
                        tag_list + ")");
    };
    look("root namespace", {"iptables-save"});
    for (const auto &m : state.members)
        if (!m.netns.empty()) look(m.name, {"ip", "netns", "exec", m.netns, "iptables-save"});
}

void check_stopped_processes(const sb::SandboxState &state, std::vector<std::string> &found) {
    for (const auto &m : state.members) {
        if (m.netns.empty()) continue;
        for (pid_t pid : netns_pids(m.netns)) {
            char st = state_of(pid);
            if (st == 'T' || st == 't')
                found.push_back(m.name + ": process " + std::to_string(pid) +
                                " is stopped (SIGSTOP): " + scrub(state, cmdline_of(pid)));
        }
    }
}

void check_services(const sb::SandboxState &state, const Baseline &baseline,
                    std::vector<std::string> &found) {
    auto now = service_processes(state);
    std::set<std::string> keys(now.begin(), now.end());
    keys.insert(baseline.services.begin(), baseline.services.end());
    for (const auto &key : keys) {
        size_t before = baseline.services.count(key), after = now.count(key);
        if (before == after) continue;
        auto colon = key.find(": ");
        found.push_back(key.substr(0, colon) + ": " + std::to_string(after) + " process(es) `" +
                        key.substr(colon + 2) + "` where " + std::to_string(before) + " ran before");
    }
}

void check_processes_left(const sb::SandboxState &state, const Baseline &baseline, const fs::path &state_dir,
                          std::vector<std::string> &found) {
    for (const auto &[pid, cmdline] : outside_processes(state, state_dir)) {
        auto before = baseline.outside.find(pid);
        if (before != baseline.outside.end() && before->second == cmdline) continue;
        char st = state_of(pid);
        found.push_back("process left running: pid " + std::to_string(pid) +
                        (st == 'T' || st == 't' ? " (stopped)" : "") + ": " + scrub(state, cmdline));
    }
}

void check_replay_paused(const sb::SandboxState &state, std::vector<std::string> &found) {
    for (const auto &m : state.members) {
        std::string error;
        auto value = psql_value(state, m,
                                "SELECT CASE WHEN pg_is_in_recovery() THEN pg_is_wal_replay_paused()::text "
                                "ELSE 'primary' END",
                                &error);
        if (!value)
            found.push_back(m.name +
                            ": cannot ask PostgreSQL whether WAL replay is paused: " + scrub(state, error));
        else if (*value == "true")
            found.push_back(m.name + ": WAL replay is paused");
    }
}

void check_dynamic_config(const sb::SandboxState &state, const Baseline &baseline,
                          std::vector<std::string> &found) {
    auto config = patroni_get_any(state, "/config");
    if (!config) {
        found.push_back("no member answers GET /config");
        return;
    }
    // Key by key (flattened to JSON pointers, so postgresql.parameters are compared one by one).
    auto before = baseline.dynamic_config.flatten(), now = config->flatten();
    for (const auto &[key, value] : now.items()) {
        if (!before.contains(key))
            found.push_back("dynamic config: " + key + " is " + json_text(value) + ", was absent");
        else if (before[key] != value)
            found.push_back("dynamic config: " + key + " is " + json_text(value) + ", was " +
                            json_text(before[key]));
    }
    for (const auto &[key, value] : before.items())
        if (!now.contains(key))
            found.push_back("dynamic config: " + key + " is absent, was " + json_text(value));
    auto cluster = patroni_get_any(state, "/cluster");
    if (cluster && cluster->value("pause", false))
        found.push_back("maintenance mode is on (/cluster says pause)");
}

// What an act of a drill creates and its undo removes (issue 15): drillhost_* and pgbench_* tables.
// Tables replicate, so the first member that answers tells.
void check_tables(const sb::SandboxState &state, std::vector<std::string> &found) {
    for (const auto &m : state.members) {
        auto tables =
            psql_value(state, m,
                       "SELECT coalesce(string_agg(relname, ', ' ORDER BY relname), '') FROM pg_class "
                       "WHERE relkind = 'r' AND (relname LIKE 'drillhost\\_%' OR relname LIKE "
                       "'pgbench\\_%')");
        if (!tables) continue;
        if (!tables->empty()) found.push_back("tables left in the database: " + *tables);
        return;
    }
}

void check_patroni_yml(const sb::SandboxState &state, const Baseline &baseline,
                       std::vector<std::string> &found) {
    for (const auto &m : state.members) {
        auto before = baseline.patroni_yml.find(m.name);
        std::string now = slurp(m.patroni_config());
        if (before == baseline.patroni_yml.end() || before->second == now) continue;
        // Sizes and the first line that differs, never the content: patroni.yml holds passwords.
        size_t line = 1;
        for (size_t i = 0; i < std::min(now.size(), before->second.size()) && now[i] == before->second[i];
             ++i)
            if (now[i] == '\n') ++line;
        found.push_back(m.name + ": patroni.yml changed (" + std::to_string(now.size()) + " bytes, was " +
                        std::to_string(before->second.size()) + "; first difference on line " +
                        std::to_string(line) + ")");
    }
}

void check_member_files(const sb::SandboxState &state, const Baseline &baseline,
                        std::vector<std::string> &found) {
    for (const auto &name : drillhost_member_files(state))
        if (!baseline.member_files.count(name))
            found.push_back(name.substr(0, name.find('/')) + ": " + name.substr(name.find('/') + 1) +
                            " left in its directory");
}

void check_state_dir(const fs::path &state_dir, std::vector<std::string> &found) {
    std::error_code ec;
    for (const auto &entry : fs::directory_iterator(state_dir / "ledger", ec))
        if (entry.is_regular_file() && entry.path().extension() == ".jsonl")
            found.push_back("open ledger: " + entry.path().string());
    for (const auto &entry : fs::directory_iterator(state_dir / "locks", ec))
        if (entry.path().extension() == ".lock")
            found.push_back("cluster lock file left: " + entry.path().string());
}

void check_tmp_files(const Baseline &baseline, std::vector<std::string> &found) {
    for (const auto &path : tmp_files_now())
        if (!baseline.tmp_files.count(path)) found.push_back("new temporary file: " + path);
}

std::vector<std::string> find_leftovers(const sb::SandboxState &state, const Baseline &baseline,
                                        const LeftoverOptions &options) {
    std::vector<std::string> found;
    check_iptables(state, found);
    check_stopped_processes(state, found);
    if (options.converged) {
        check_services(state, baseline, found);
        check_replay_paused(state, found);
    }
    check_processes_left(state, baseline, options.state_dir, found);
    check_dynamic_config(state, baseline, found);
    check_patroni_yml(state, baseline, found);
    check_tables(state, found);
    check_member_files(state, baseline, found);
    check_state_dir(options.state_dir, found);
    check_tmp_files(baseline, found);
    for (auto &line : found) line = scrub(state, line);
    return found;
}

}  // namespace campaign
