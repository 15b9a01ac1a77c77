#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <drillhost/core/errors.hpp>
#include <drillhost/sandbox/command.hpp>

#include <boost/process.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <deque>
#include <fstream>
#include <thread>

#include <drillhost/core/child_signals.hpp>
#include <drillhost/core/unnamed_file.hpp>

namespace drillhost::sandbox {
namespace bp = boost::process;
namespace fs = std::filesystem;

std::string package_for(const std::string &program) {
    static const std::map<std::string, std::string> packages = {{"etcd", "etcd-server"},
                                                                {"etcdctl", "etcd-client"},
                                                                {"patroni", "patroni"},
                                                                {"ip", "iproute2"},
                                                                {"iptables", "iptables"},
                                                                {"iptables-save", "iptables"},
                                                                {"setpriv", "util-linux"},
                                                                {"setsid", "util-linux"},
                                                                {"openssl", "openssl"},
                                                                {"ssh-keygen", "openssh-client"},
                                                                {"/usr/sbin/sshd", "openssh-server"},
                                                                {"pg_ctl", "postgresql-15"},
                                                                {"psql", "postgresql-client-15"},
                                                                {"pgbench", "postgresql-contrib"},
                                                                {"sshd", "openssh-server"},
                                                                {"ssh", "openssh-client"},
                                                                {"python3", "python3"},
                                                                {"haproxy", "haproxy"},
                                                                {"pgbouncer", "pgbouncer"}};
    auto it = packages.find(fs::path(program).filename().string());
    return it == packages.end() ? "" : it->second;
}

static fs::path find_program(const std::string &program) {
    fs::path path = program.find('/') != std::string::npos ? fs::path(program)
                                                           : fs::path(bp::search_path(program).string());
    if (path.empty() || !fs::exists(path)) {
        std::string package = package_for(program);
        throw InfraError("`" + program + "` is not installed" +
                         (package.empty() ? ""
                                          : "; it comes with the Debian package " + package +
                                                " (apt-get install " + package + ")"));
    }
    return path;
}

static std::string joined(const std::vector<std::string> &argv) {
    std::string text;
    for (const auto &a : argv) text += (text.empty() ? "" : " ") + a;
    return text;
}

std::string tail_of(const fs::path &file, size_t lines) {
    std::ifstream in(file);
    std::deque<std::string> last;
    for (std::string line; std::getline(in, line);) {
        last.push_back(line);
        if (last.size() > lines) last.pop_front();
    }
    std::string text;
    for (const auto &l : last) text += "  | " + l + "\n";
    return text;
}

CommandResult run_command(const std::vector<std::string> &argv, std::chrono::milliseconds timeout) {
    fs::path exe = find_program(argv.at(0));
    // Output goes to a file, not a pipe: no deadlock on large output, and a hung command can be killed.
    UnnamedFile out = unnamed_file();
    CommandResult result;
    {
        bp::child child(
            bp::exe = exe.string(), bp::args = std::vector<std::string>(argv.begin() + 1, argv.end()),
            bp::std_out > out.get(), bp::std_err > out.get(), bp::std_in < bp::null, DefaultSignals{});
        auto deadline = std::chrono::steady_clock::now() + timeout;
        while (child.running() && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        bool timed_out = child.running();
        if (timed_out) ::kill(child.id(), SIGKILL);
        child.wait();
        int status = child.native_exit_code();  // exit_code() cannot tell exit(9) from SIGKILL
        result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        result.output = contents_of(out.get());
        if (timed_out) result.output += "\n(killed after " + std::to_string(timeout.count()) + " ms)";
    }
    return result;
}

std::string run_checked(const std::vector<std::string> &argv, const std::string &what,
                        std::chrono::milliseconds timeout) {
    auto result = run_command(argv, timeout);
    if (!result.ok()) {
        std::string output = result.output;
        if (output.size() > 2000) output = "..." + output.substr(output.size() - 2000);
        throw InfraError(what + ": `" + joined(argv) + "` exited " + std::to_string(result.exit_code) +
                         (output.empty() ? "" : ":\n" + output));
    }
    return result.output;
}

pid_t start_service(const std::vector<std::string> &argv, const fs::path &log,
                    const std::map<std::string, std::string> &env) {
    fs::path exe = find_program(argv.at(0));
    std::FILE *out = std::fopen(log.c_str(), "a");
    if (!out) throw InfraError("cannot open log " + log.string() + ": " + std::strerror(errno));
    bp::environment environment = boost::this_process::environment();  // a copy: the live one must not change
    for (const auto &[k, v] : env) environment[k] = v;
    bp::child child(bp::exe = exe.string(), bp::args = std::vector<std::string>(argv.begin() + 1, argv.end()),
                    bp::std_out > out, bp::std_err > out, bp::std_in < bp::null, environment,
                    DefaultSignals{});
    std::fclose(out);
    pid_t pid = child.id();
    child.detach();  // it outlives us; process_alive() reaps it if it dies while we run
    return pid;
}

bool process_alive(pid_t pid) {
    if (pid <= 0) return false;
    int status = 0;
    pid_t reaped = ::waitpid(pid, &status, WNOHANG);
    if (reaped == pid) return false;  // our child, now reaped
    if (::kill(pid, 0) != 0) return errno == EPERM;
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    auto close = text.rfind(')');
    return close == std::string::npos || close + 2 >= text.size() || text[close + 2] != 'Z';
}

}  // namespace drillhost::sandbox
