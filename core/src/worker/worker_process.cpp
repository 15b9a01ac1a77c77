#include "worker_process.hpp"

#include <drillhost/core/bounded_json.hpp>
#include <drillhost/core/errors.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/process.hpp>
#include <boost/process/extend.hpp>
#include <cstring>
#include <thread>

namespace drillhost::worker {
namespace bp = boost::process;

namespace {

// Set up in the child between fork and exec (async-signal-safe calls only): its own process group,
// the two sockets as standard input and output, the ledger as descriptor 4, default signals.
struct WorkerSetup : bp::extend::handler {
    int control = -1, channel = -1, ledger = -1;

    template <class Executor>
    void on_exec_setup(Executor &) const {
        ::setpgid(0, 0);
        // Out of the way first: a source may already sit on a target (the ledger on 4, a socket on 0
        // when the parent was started with standard input closed), and dup2 onto itself would leave
        // close-on-exec set. Copies made with F_DUPFD (no CLOEXEC) then dup2 to their places.
        int from_control = ::fcntl(control, F_DUPFD, 10);
        int from_channel = ::fcntl(channel, F_DUPFD, 10);
        int from_ledger = ledger >= 0 ? ::fcntl(ledger, F_DUPFD, 10) : -1;
        ::dup2(from_control, 0);
        ::dup2(from_channel, 1);
        if (from_ledger >= 0) {
            ::dup2(from_ledger, 4);
            ::close(from_ledger);
        } else {
            ::close(4);
        }
        ::close(from_control);
        ::close(from_channel);
        for (int signo : {SIGINT, SIGTERM, SIGQUIT, SIGHUP, SIGPIPE}) ::signal(signo, SIG_DFL);
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
    }
};

void close_fd(int &fd) {
    if (fd >= 0) ::close(fd);
    fd = -1;
}

}  // namespace

struct WorkerProcess::Child {
    bp::child process;
};

WorkerProcess::WorkerProcess(const std::vector<std::string> &command, const nlohmann::json &job,
                             int ledger_fd) {
    if (command.empty()) throw InfraError("worker: no command to start it with");
    int control[2], channel[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, control) != 0)
        throw InfraError(std::string("worker: socketpair: ") + std::strerror(errno));
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, channel) != 0) {
        ::close(control[0]);
        ::close(control[1]);
        throw InfraError(std::string("worker: socketpair: ") + std::strerror(errno));
    }
    control_fd_ = control[0];
    channel_fd_ = channel[0];
    reader_ = LineReader(channel_fd_);
    WorkerSetup setup;
    setup.control = control[1];
    setup.channel = channel[1];
    setup.ledger = ledger_fd;
    std::error_code ec;
    try {
        child_ = std::make_unique<Child>(Child{
            bp::child(command.front(),
                      bp::args = std::vector<std::string>(command.begin() + 1, command.end()), setup, ec)});
    } catch (const std::exception &e) {
        ec = std::make_error_code(std::errc::io_error);
    }
    ::close(control[1]);
    ::close(channel[1]);
    if (ec || !child_ || !child_->process.valid()) {
        close_fd(control_fd_);
        close_fd(channel_fd_);
        throw InfraError("worker: cannot start " + command.front() + ": " + ec.message());
    }
    // The job goes first; the worker reads it before anything else.
    LineWriter(control_fd_).send(job);
}

WorkerProcess::~WorkerProcess() {
    if (child_ && !raw_status_) {
        kill();
        std::error_code ec;
        child_->process.wait(ec);
    }
    close_fd(control_fd_);
    close_fd(channel_fd_);
}

std::optional<nlohmann::json> WorkerProcess::next_message(std::chrono::milliseconds wait) {
    if (reader_.closed()) {
        // Nothing more can come; wait anyway, so that a caller polling for the worker's end does not
        // spin (a worker that closed its socket and hangs).
        std::this_thread::sleep_for(wait);
        return std::nullopt;
    }
    auto line = reader_.next_line(wait);
    if (!line) return std::nullopt;
    // A worker runs plugin code: what it sends is parsed like any untrusted input.
    auto message = try_parse_bounded_json(*line);
    if (!message || !message->is_object() || !message->contains("m") || !(*message)["m"].is_string())
        throw InfraError("worker protocol: a message that is not a JSON object with an \"m\" field: " +
                         valid_utf8(line->substr(0, 80)));
    return message;
}

void WorkerProcess::cancel(const std::string &reason) {
    if (control_fd_ >= 0) LineWriter(control_fd_).send({{"cancel", reason}});
}

void WorkerProcess::kill() {
    if (!child_ || raw_status_) return;
    pid_t pid = child_->process.id();
    ::kill(-pid, SIGKILL);  // its group: the worker and what it started
    ::kill(pid, SIGKILL);   // in case it left the group
}

bool WorkerProcess::ended() {
    if (raw_status_) return true;
    int status = 0;
    pid_t pid = child_->process.id();
    pid_t got = ::waitpid(pid, &status, WNOHANG);
    if (got != pid) return false;
    raw_status_ = status;
    // Helpers it started (pgbench, shells) do not outlive the drill. Its pid stays reserved while its
    // group has members, so this reaches no one else.
    ::kill(-pid, SIGKILL);
    child_->process.detach();  // reaped here; Boost must not wait for it again
    return true;
}

std::string WorkerProcess::how_it_ended() const {
    if (!raw_status_) return "still running";
    int status = *raw_status_;
    if (WIFSIGNALED(status)) {
        int signo = WTERMSIG(status);
        const char *abbrev = ::sigabbrev_np(signo);
        return "killed by " + (abbrev ? "SIG" + std::string(abbrev) : "signal " + std::to_string(signo)) +
               " (" + ::strsignal(signo) + ")";
    }
    return "exited with status " + std::to_string(WEXITSTATUS(status));
}

bool WorkerProcess::ended_abnormally() const {
    return raw_status_ && (WIFSIGNALED(*raw_status_) || WEXITSTATUS(*raw_status_) != 0);
}

}  // namespace drillhost::worker
