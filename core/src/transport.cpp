#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <drillhost/core/backends.hpp>
#include <drillhost/core/errors.hpp>
#include <drillhost/core/transport.hpp>

#include <boost/process.hpp>
#include <cerrno>
#include <cstring>
#include <thread>

#include <drillhost/core/child_signals.hpp>
#include <drillhost/core/unnamed_file.hpp>

#include "builtin_backends.hpp"

namespace drillhost {
namespace bp = boost::process;
using nlohmann::json;

namespace {

// Output goes to files, not pipes: no deadlock on large output, and a hung command can be killed.
ExecResult run_local(const std::vector<std::string> &argv, std::chrono::milliseconds timeout) {
    auto exe = bp::search_path(argv.at(0));
    if (exe.empty()) {
        static const std::map<std::string, std::string> packages = {{"ssh", "openssh-client"},
                                                                    {"ip", "iproute2"},
                                                                    {"iptables", "iptables"},
                                                                    {"systemctl", "systemd"}};
        auto it = packages.find(argv[0]);
        throw InfraError("`" + argv[0] + "` is not installed here" +
                         (it == packages.end() ? "" : "; apt-get install " + it->second));
    }
    UnnamedFile out = unnamed_file(), err = unnamed_file();
    ExecResult result;
    {
        bp::child child(exe, bp::args = std::vector<std::string>(argv.begin() + 1, argv.end()),
                        bp::std_out > out.get(), bp::std_err > err.get(), bp::std_in < bp::null,
                        DefaultSignals{});
        auto deadline = std::chrono::steady_clock::now() + timeout;
        while (child.running() && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        if (child.running()) {
            result.timed_out = true;
            ::kill(child.id(), SIGKILL);
        }
        child.wait();
        int status = child.native_exit_code();
        if (WIFEXITED(status) && !result.timed_out) result.exit_code = WEXITSTATUS(status);
        if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
    }
    result.out = contents_of(out.get());
    result.err = contents_of(err.get());
    return result;
}

std::string required(const json &transport, const char *key) {
    auto value = transport.value(key, "");
    if (value.empty()) throw UsageError("transport " + transport.dump() + ": \"" + key + "\" is missing");
    return value;
}

std::string whole_seconds_arg(std::chrono::milliseconds timeout) {
    return std::to_string(std::max<long>(1, (timeout.count() + 999) / 1000));
}

ExecResult exec_netns(const json &transport, const std::vector<std::string> &argv,
                      std::chrono::milliseconds timeout) {
    std::vector<std::string> wrapped = {"ip", "netns", "exec", required(transport, "netns")};
    wrapped.insert(wrapped.end(), argv.begin(), argv.end());
    return run_local(wrapped, timeout);
}

std::string describe_ssh(const json &t) {
    std::string user = t.value("user", "");
    return "ssh " + (user.empty() ? "" : user + "@") + t.value("host", "") + ":" +
           std::to_string(t.value("port", 22)) + (t.value("sudo", false) ? " (sudo)" : "");
}

// The command runs on the remote side under timeout(1), so a hung command dies there too. With
// `sudo: true` (a non-root admin user, as Pigsty's dba), under `sudo -n`: never a password prompt,
// so a sudo that wants one fails at once and says so instead of hanging.
ExecResult exec_ssh(const json &transport, const std::vector<std::string> &argv,
                    std::chrono::milliseconds timeout) {
    const bool sudo = transport.value("sudo", false);
    // LC_ALL=C: sudo's refusal is recognised by its words, and Debian's ssh forwards the operator's
    // LANG and LC_* (SendEnv), which would localise them.
    std::string remote =
        std::string(sudo ? "LC_ALL=C sudo -n " : "") + "timeout -k 2 " + whole_seconds_arg(timeout);
    for (const auto &word : argv) remote += " " + shell_quote(word);
    std::vector<std::string> ssh = {
        "ssh",
        "-o",
        "BatchMode=yes",
        "-o",
        "ConnectTimeout=" + whole_seconds_arg(std::min(timeout, std::chrono::milliseconds(10000))),
        "-p",
        std::to_string(transport.value("port", 22))};
    if (transport.contains("key"))
        ssh.insert(ssh.end(), {"-i", transport["key"].get<std::string>(), "-o", "IdentitiesOnly=yes"});
    if (transport.contains("known_hosts"))
        ssh.insert(ssh.end(), {"-o", "UserKnownHostsFile=" + transport["known_hosts"].get<std::string>(),
                               "-o", "StrictHostKeyChecking=yes"});
    for (const auto &option : transport.value("options", json::array()))
        ssh.insert(ssh.end(), {"-o", option.get<std::string>()});
    std::string user = transport.value("user", "");
    ssh.push_back((user.empty() ? "" : user + "@") + required(transport, "host"));
    ssh.push_back("--");
    ssh.push_back(remote);
    auto result = run_local(ssh, timeout + std::chrono::seconds(5));
    if (result.exit_code == 255)  // ssh's own failure: the command never ran
        throw InfraError(describe_transport(transport) + ": cannot reach the host over ssh: " + result.err);
    // sudo's own refusal: the command never ran either. Its warnings ("sudo: unable to resolve
    // host") come with a command that did run, so only a refusal's words count.
    auto refused = [&] {
        for (const char *words :
             {"sudo: a password is required", "sudo: a terminal is required", "is not in the sudoers file",
              "is not allowed to execute", "may not run sudo"})
            if (result.err.find(words) != std::string::npos) return true;
        return false;
    };
    if (sudo && result.exit_code == 1 && refused())
        throw InfraError(describe_transport(transport) + ": sudo -n refused to run " + argv.front() + " (" +
                         result.err.substr(0, result.err.find('\n')) + "): give " +
                         transport.value("user", "") +
                         " passwordless sudo (NOPASSWD in sudoers), or log in as root");
    if (result.exit_code == 124 || result.exit_code == 137)
        result.timed_out = true;  // timeout(1) on the remote side
    return result;
}

}  // namespace

json ExecResult::to_json() const {
    return {{"exit_code", exit_code},
            {"signal", signal},
            {"timed_out", timed_out},
            {"stdout", out},
            {"stderr", err}};
}

std::string shell_quote(const std::string &word) {
    if (!word.empty() &&
        word.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@%_-+=:,./") ==
            std::string::npos)
        return word;
    std::string quoted = "'";
    for (char c : word) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return quoted + "'";
}

std::string describe_transport(const json &t) {
    std::string kind = t.is_object() ? t.value("kind", "") : "";
    if (auto known = find_transport(kind); known && known->describe) return known->describe(t);
    return kind;
}

json transport_for(const json &target, const std::string &host) {
    std::string known;
    for (const auto &m : target.value("members", json::array())) {
        std::string name = m.value("name", "");
        known += (known.empty() ? "" : ", ") + name;
        if (name != host) continue;
        if (m.contains("transport")) return m["transport"];
        if (!m.value("netns", "").empty()) return {{"kind", "netns"}, {"netns", m["netns"]}};
        json ssh = target.value("ssh", json::object());
        ssh["kind"] = "ssh";
        ssh["host"] = m.value("ssh_host", m.value("address", m.value("host", name)));
        return ssh;
    }
    if (host == "local" || host == "localhost") return {{"kind", "local"}};
    throw UsageError("no host '" + host + "' in the target" +
                     (known.empty() ? "" : "; the hosts are " + known));
}

ExecResult exec_on(const json &transport, const std::vector<std::string> &argv,
                   std::chrono::milliseconds timeout) {
    if (argv.empty()) throw UsageError("exec: an empty command");
    std::string kind = transport.is_object() ? transport.value("kind", "") : "";
    auto known = find_transport(kind);
    if (!known || !known->exec) {
        std::string names;
        for (const auto &name : transport_names()) names += (names.empty() ? "" : ", ") + name;
        throw UsageError("transport " + transport.dump() + ": \"kind\" must be one of " + names);
    }
    return known->exec(transport, argv, timeout);
}

std::vector<TransportKind> builtin_transports() {
    auto local = [](const json &, const std::vector<std::string> &argv, std::chrono::milliseconds timeout) {
        return run_local(argv, timeout);
    };
    return {{"local", local, [](const json &) { return std::string("local"); }},
            {"netns", exec_netns, [](const json &t) { return "netns " + t.value("netns", ""); }},
            {"ssh", exec_ssh, describe_ssh}};
}

}  // namespace drillhost
