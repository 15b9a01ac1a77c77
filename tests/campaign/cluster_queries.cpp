#include "cluster_queries.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <drillhost/sandbox/http_get.hpp>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

extern char **environ;

namespace campaign {

namespace {

std::set<pid_t> &own_children() {
    static std::set<pid_t> pids;
    return pids;
}

std::string slurp(const std::filesystem::path &path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace

void own_child(pid_t pid, bool add) {
    if (add)
        own_children().insert(pid);
    else
        own_children().erase(pid);
}

Ran run_program(const std::vector<std::string> &argv, std::chrono::milliseconds limit,
                const std::map<std::string, std::string> &env) {
    Ran ran;
    int out_pipe[2], err_pipe[2];
    if (pipe2(out_pipe, O_CLOEXEC) != 0) return ran;
    if (pipe2(err_pipe, O_CLOEXEC) != 0) {
        close(out_pipe[0]);
        close(out_pipe[1]);
        return ran;
    }
    // Our environment with `env` laid over it.
    std::vector<std::string> env_strings;
    for (char **e = environ; *e; ++e) {
        std::string entry = *e;
        if (!env.count(entry.substr(0, entry.find('=')))) env_strings.push_back(entry);
    }
    for (const auto &[key, value] : env) env_strings.push_back(key + "=" + value);
    std::vector<char *> envp, args;
    for (auto &e : env_strings) envp.push_back(e.data());
    envp.push_back(nullptr);
    std::vector<std::string> argv_copy = argv;
    for (auto &a : argv_copy) args.push_back(a.data());
    args.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
    posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
    pid_t pid = 0;
    int failed = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    close(out_pipe[1]);
    close(err_pipe[1]);
    if (failed != 0) {
        close(out_pipe[0]);
        close(err_pipe[0]);
        ran.err = argv[0] + ": " + std::strerror(failed);
        return ran;
    }
    own_child(pid, true);
    auto deadline = std::chrono::steady_clock::now() + limit;
    pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
    std::string *sinks[2] = {&ran.out, &ran.err};
    int open_fds = 2;
    while (open_fds > 0) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                                          std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            ran.timed_out = true;
            ::kill(pid, SIGKILL);
            break;
        }
        if (poll(fds, 2, static_cast<int>(std::min<long long>(left.count(), 200))) < 0 && errno != EINTR)
            break;
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            char buffer[8192];
            ssize_t n = read(fds[i].fd, buffer, sizeof buffer);
            if (n > 0) {
                sinks[i]->append(buffer, static_cast<size_t>(n));
            } else if (n == 0 || errno != EINTR) {
                close(fds[i].fd);
                fds[i].fd = -1;
                --open_fds;
            }
        }
    }
    for (auto &fd : fds)
        if (fd.fd >= 0) close(fd.fd);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    own_child(pid, false);
    ran.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return ran;
}

void reap_adopted_zombies() {
    pid_t self = ::getpid();
    for (const auto &entry : std::filesystem::directory_iterator("/proc")) {
        std::string name = entry.path().filename().string();
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;
        std::string stat = slurp(entry.path() / "stat");
        auto close_paren = stat.rfind(')');
        if (close_paren == std::string::npos) continue;
        std::istringstream rest(stat.substr(close_paren + 1));
        char state = 0;
        pid_t ppid = 0;
        rest >> state >> ppid;
        pid_t pid = std::stoi(name);
        if (ppid == self && state == 'Z' && !own_children().count(pid)) waitpid(pid, nullptr, WNOHANG);
    }
}

std::optional<nlohmann::json> patroni_get(const sb::SandboxState &state, const sb::Member &member,
                                          const std::string &path, std::chrono::milliseconds limit) {
    auto reply = sb::http_get(member.rest_url() + path, limit, state.rest_cacert());
    if (reply.status == 0) return std::nullopt;
    auto body = nlohmann::json::parse(reply.body, nullptr, false);
    if (!body.is_object()) return std::nullopt;
    return body;
}

std::optional<nlohmann::json> patroni_get_any(const sb::SandboxState &state, const std::string &path) {
    for (const auto &m : state.members)
        if (auto body = patroni_get(state, m, path)) return body;
    return std::nullopt;
}

std::optional<std::string> psql_value(const sb::SandboxState &state, const sb::Member &member,
                                      const std::string &sql, std::string *error) {
    auto ran = run_program(
        {"psql", "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", member.address, "-p",
         std::to_string(member.pg_port), "-U", state.superuser, "-d", "postgres", "-c", sql},
        std::chrono::seconds(15), {{"PGPASSWORD", state.superuser_password}, {"PGCONNECT_TIMEOUT", "3"}});
    if (ran.exit_code != 0) {
        if (error) {
            *error = ran.timed_out ? "psql timed out" : ran.err;
            while (!error->empty() && error->back() == '\n') error->pop_back();
        }
        return std::nullopt;
    }
    std::string value = ran.out.substr(0, ran.out.find('\n'));
    return value;
}

std::vector<pid_t> netns_pids(const std::string &netns) {
    std::vector<pid_t> pids;
    auto ran = run_program({"ip", "netns", "pids", netns}, std::chrono::seconds(10));
    std::istringstream lines(ran.out);
    for (pid_t pid; lines >> pid;) pids.push_back(pid);
    return pids;
}

std::string cmdline_of(pid_t pid) {
    std::string raw = slurp("/proc/" + std::to_string(pid) + "/cmdline");
    while (!raw.empty() && raw.back() == '\0') raw.pop_back();
    for (char &c : raw)
        if (c == '\0') c = ' ';
    return raw;
}

char state_of(pid_t pid) {
    std::string stat = slurp("/proc/" + std::to_string(pid) + "/stat");
    auto close_paren = stat.rfind(')');
    if (close_paren == std::string::npos || close_paren + 2 >= stat.size()) return 0;
    return stat[close_paren + 2];
}

}  // namespace campaign
