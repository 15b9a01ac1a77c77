#include "cluster_queries.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <drillhost/sandbox/http_get.hpp>

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <utility>

extern char **environ;

namespace campaign {

namespace {

std::string slurp(const std::filesystem::path &path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

struct Reaper {
    std::mutex mutex;
    std::condition_variable ended;
    bool running = false;
    std::set<pid_t> watched;                // spawned by spawn_child, not yet read by wait_child
    std::map<pid_t, int> statuses;          // of watched children that ended
    std::vector<std::string> adopted_ends;  // how adopted processes ended, for the log
};

Reaper &reaper() {
    static Reaper r;
    return r;
}

std::string wait_status_text(int status) {
    return WIFEXITED(status) ? "exit " + std::to_string(WEXITSTATUS(status))
                             : "killed by signal " + std::to_string(WTERMSIG(status));
}

void reap_forever() {
    Reaper &r = reaper();
    for (;;) {
        // Peek first (WNOWAIT): a zombie's name is still readable, for the log.
        siginfo_t info{};
        if (::waitid(P_ALL, 0, &info, WEXITED | WNOWAIT) != 0 || info.si_pid == 0) {
            if (errno != EINTR) std::this_thread::sleep_for(std::chrono::milliseconds(20));  // no child now
            continue;
        }
        pid_t pid = info.si_pid;
        std::string comm = slurp("/proc/" + std::to_string(pid) + "/comm");
        while (!comm.empty() && comm.back() == '\n') comm.pop_back();
        int status = 0;
        if (::waitpid(pid, &status, 0) != pid) continue;
        std::lock_guard lock(r.mutex);
        if (r.watched.count(pid)) {
            r.statuses[pid] = status;
            r.ended.notify_all();
        } else {
            r.adopted_ends.push_back("pid " + std::to_string(pid) + " (" + comm +
                                     "): " + wait_status_text(status));
        }
    }
}

}  // namespace

void start_reaper() {
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0)
        throw std::runtime_error(std::string("prctl(PR_SET_CHILD_SUBREAPER): ") + std::strerror(errno));
    Reaper &r = reaper();
    std::lock_guard lock(r.mutex);
    if (r.running) return;
    r.running = true;
    std::thread(reap_forever).detach();
}

std::vector<std::string> adopted_ends() {
    Reaper &r = reaper();
    std::lock_guard lock(r.mutex);
    return std::exchange(r.adopted_ends, {});
}

pid_t spawn_child(const std::function<pid_t()> &spawn) {
    Reaper &r = reaper();
    // Under the lock: a child that ends at once is reaped only after it is watched.
    std::lock_guard lock(r.mutex);
    pid_t pid = spawn();
    if (pid > 0 && r.running) r.watched.insert(pid);
    return pid;
}

std::optional<int> wait_child(pid_t pid, std::chrono::milliseconds limit) {
    Reaper &r = reaper();
    std::unique_lock lock(r.mutex);
    if (r.running) {
        if (!r.ended.wait_for(lock, limit, [&] { return r.statuses.count(pid) > 0; })) return std::nullopt;
        int status = r.statuses[pid];
        r.statuses.erase(pid);
        r.watched.erase(pid);
        return status;
    }
    lock.unlock();
    auto deadline = std::chrono::steady_clock::now() + limit;
    for (;;) {
        int status = 0;
        pid_t got = ::waitpid(pid, &status, WNOHANG);
        if (got == pid) return status;
        if (got < 0 && errno != EINTR) return 0;  // not ours to wait for: gone
        if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
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
    int failed = 0;
    pid_t pid = spawn_child([&] {
        pid_t spawned = 0;
        failed = posix_spawnp(&spawned, args[0], &actions, nullptr, args.data(), envp.data());
        return failed == 0 ? spawned : 0;
    });
    posix_spawn_file_actions_destroy(&actions);
    close(out_pipe[1]);
    close(err_pipe[1]);
    if (failed != 0) {
        close(out_pipe[0]);
        close(err_pipe[0]);
        ran.err = argv[0] + ": " + std::strerror(failed);
        return ran;
    }
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
    int status = wait_child(pid, std::chrono::hours(24)).value_or(0);
    ran.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return ran;
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
    // As `ip netns pids` does, but each process checked on its own: Patroni spawns short-lived
    // children all the time (postgres -C, pg_controldata), and one born after a listing must still
    // be seen as inside its member.
    std::vector<pid_t> pids;
    struct stat ns {};
    if (::stat(("/run/netns/" + netns).c_str(), &ns) != 0) return pids;
    for (const auto &entry : std::filesystem::directory_iterator("/proc")) {
        std::string name = entry.path().filename().string();
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;
        struct stat mine {};
        if (::stat((entry.path() / "ns" / "net").c_str(), &mine) == 0 && mine.st_ino == ns.st_ino &&
            mine.st_dev == ns.st_dev)
            pids.push_back(std::stoi(name));
    }
    return pids;
}

bool in_netns(pid_t pid, const std::string &netns) {
    struct stat ns {
    }, mine{};
    return ::stat(("/run/netns/" + netns).c_str(), &ns) == 0 &&
           ::stat(("/proc/" + std::to_string(pid) + "/ns/net").c_str(), &mine) == 0 &&
           mine.st_ino == ns.st_ino && mine.st_dev == ns.st_dev;
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
