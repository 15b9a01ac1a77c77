#include <drillhost/sandbox/watchdog_monitor.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>
#include <drillhost/core/errors.hpp>
#include <drillhost/core/journal.hpp>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

// How the FIFO is read, and why.
//
// Patroni opens the device with os.open(path, os.O_WRONLY): blocking, no O_NONBLOCK. With no reader
// that open does not fail, it waits, inside Patroni's HA loop and under the watchdog lock. So a reader
// must be open at all times. We open ours O_RDONLY|O_NONBLOCK, which never waits for a writer, and
// when it has to be replaced we open the new descriptor before closing the old one, so the FIFO never
// has zero readers (that would also make Patroni's writes fail with EPIPE).
//
// We keep no write descriptor of our own: with one, read() would never return 0 and we could not see
// Patroni close the FIFO, so neither a magic close ("V" then close) nor a crash (close without "V")
// would be visible. The price is that once the last writer has gone, poll() reports POLLHUP on our
// descriptor forever, which would be a busy loop; a freshly opened read descriptor does not report
// the hang-up of writers that left before it was opened, so after every EOF we reopen.
//
// What counts as EOF: on a non-blocking FIFO read() returns 0 when the pipe is empty and has no
// writer, and fails with EAGAIN when it is empty and a writer is connected. We remember whether a
// writer was seen on the current descriptor (data, or EAGAIN) and treat a later 0 as that writer's
// close, so we do not depend on POLLHUP alone; a 0 without a writer seen is just "nobody yet".

namespace drillhost::sandbox {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using Json = nlohmann::ordered_json;

namespace {

constexpr milliseconds max_poll_wait{100};
constexpr size_t max_command_length = 256;
constexpr int max_reads_per_wakeup = 64;  // a flooding writer must not keep us from should_stop

std::string errno_text(int error) {
    return std::strerror(error);
}

class Fd {
  public:
    explicit Fd(int fd = -1) : fd_(fd) {}
    ~Fd() { reset(); }
    Fd(Fd &&other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    Fd &operator=(Fd &&other) noexcept {
        if (this != &other) {
            reset();
            fd_ = std::exchange(other.fd_, -1);
        }
        return *this;
    }
    Fd(const Fd &) = delete;
    Fd &operator=(const Fd &) = delete;
    int get() const { return fd_; }
    void reset() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }

  private:
    int fd_;
};

void ensure_fifo(const WatchdogMonitorOptions &options) {
    const auto &path = options.fifo;
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0) {
        if (!S_ISFIFO(st.st_mode))
            throw InfraError("watchdog FIFO " + path.string() + ": exists and is not a FIFO");
    } else if (errno == ENOENT) {
        if (::mkfifo(path.c_str(), 0660) != 0 && errno != EEXIST)
            throw InfraError("watchdog FIFO " + path.string() + ": mkfifo: " + errno_text(errno));
        // mkfifo's mode is filtered by the umask; Patroni (as postgres) needs the group/owner write bit.
        if (::chmod(path.c_str(), 0660) != 0)
            throw InfraError("watchdog FIFO " + path.string() + ": chmod: " + errno_text(errno));
    } else {
        throw InfraError("watchdog FIFO " + path.string() + ": " + errno_text(errno));
    }
    if (options.fifo_owner != 0 || options.fifo_group != 0) {
        uid_t owner = options.fifo_owner != 0 ? options.fifo_owner : static_cast<uid_t>(-1);
        gid_t group = options.fifo_group != 0 ? options.fifo_group : static_cast<gid_t>(-1);
        if (::chown(path.c_str(), owner, group) != 0)
            throw InfraError("watchdog FIFO " + path.string() + ": chown: " + errno_text(errno));
    }
}

Fd open_reader(const fs::path &fifo) {
    int fd = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) throw InfraError("watchdog FIFO " + fifo.string() + ": open: " + errno_text(errno));
    return Fd(fd);
}

// The first line of a pid file as a pid we may signal; never 0/1 (kill would hit a group or init)
// nor ourselves.
std::optional<pid_t> read_pid(const fs::path &file) {
    std::ifstream in(file);
    std::string line;
    if (!in || !std::getline(in, line)) return std::nullopt;
    auto first = line.find_first_not_of(" \t\r");
    auto last = line.find_last_not_of(" \t\r");
    if (first == std::string::npos) return std::nullopt;
    long value = 0;
    const char *begin = line.data() + first;
    const char *end = line.data() + last + 1;
    auto [ptr, ec] = std::from_chars(begin, end, value);
    if (ec != std::errc() || ptr != end || value <= 1 || value > INT_MAX || value == ::getpid())
        return std::nullopt;
    return static_cast<pid_t>(value);
}

struct ProcStat {
    char state = 0;
    pid_t ppid = 0;
};

// State and parent from /proc/<pid>/stat; nullopt when the process is gone. The command name may
// hold spaces and parentheses, so the fields are read after its last ')'.
std::optional<ProcStat> proc_stat(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string text;
    if (!in || !std::getline(in, text)) return std::nullopt;
    auto close = text.rfind(')');
    if (close == std::string::npos) return std::nullopt;
    ProcStat stat;
    int ppid = 0;
    if (std::sscanf(text.c_str() + close + 1, " %c %d", &stat.state, &ppid) != 2) return std::nullopt;
    stat.ppid = ppid;
    return stat;
}

std::vector<pid_t> children_of(pid_t parent) {
    std::vector<pid_t> children;
    std::error_code ec;
    for (fs::directory_iterator it("/proc", ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        pid_t pid = 0;
        auto [ptr, err] = std::from_chars(name.data(), name.data() + name.size(), pid);
        if (err != std::errc() || ptr != name.data() + name.size()) continue;
        auto stat = proc_stat(pid);
        if (stat && stat->ppid == parent) children.push_back(pid);
    }
    return children;
}

// SIGKILL, described as "killed", "gone" (no such process, or already a zombie) or "error: ...".
std::string kill_now(pid_t pid) {
    auto stat = proc_stat(pid);
    if (stat && stat->state == 'Z') return "gone";
    if (::kill(pid, SIGKILL) == 0) return "killed";
    if (errno == ESRCH) return "gone";
    return "error: " + errno_text(errno);
}

Json seconds_value(double seconds) {
    if (seconds == std::floor(seconds) && seconds < 1e15) return static_cast<long long>(seconds);
    return seconds;
}

class Monitor {
  public:
    explicit Monitor(const WatchdogMonitorOptions &options) : options_(options) {}

    void run() {
        ensure_fifo(options_);
        std::error_code ec;
        if (options_.events_file.has_parent_path())
            fs::create_directories(options_.events_file.parent_path(), ec);
        {
            std::ofstream probe(options_.events_file, std::ios::app);
            if (!probe)
                throw InfraError("watchdog events file " + options_.events_file.string() +
                                 ": cannot open: " + errno_text(errno));
        }
        fd_ = open_reader(options_.fifo);

        while (!(options_.should_stop && options_.should_stop())) {
            pollfd pfd{fd_.get(), POLLIN, 0};
            int ready = ::poll(&pfd, 1, static_cast<int>(poll_wait().count()));
            if (ready < 0 && errno != EINTR)
                throw InfraError("watchdog FIFO " + options_.fifo.string() + ": poll: " + errno_text(errno));
            bool hangup = ready > 0 && (pfd.revents & (POLLHUP | POLLERR)) != 0;
            // Read even after a timeout: EAGAIN tells us a writer is connected (see the top).
            bool no_writer = drain();
            if (no_writer && (writer_seen_ || hangup)) {
                if (writer_seen_) writer_closed();
                // New descriptor first, so the FIFO always has a reader.
                fd_ = open_reader(options_.fifo);
                writer_seen_ = false;
            }
            if (armed_ && Clock::now() - last_ping_ > timeout_) fire();
        }
    }

  private:
    // Until the next check is due, at most max_poll_wait so should_stop is polled often enough.
    milliseconds poll_wait() const {
        if (!armed_) return max_poll_wait;
        auto left = std::chrono::ceil<milliseconds>(last_ping_ + timeout_ - Clock::now()) + milliseconds(1);
        return std::clamp(left, milliseconds(0), max_poll_wait);
    }

    // Reads what is there; true when read() said "empty and no writer".
    bool drain() {
        char buffer[4096];
        for (int i = 0; i < max_reads_per_wakeup; ++i) {
            ssize_t n = ::read(fd_.get(), buffer, sizeof buffer);
            if (n > 0) {
                writer_seen_ = true;
                consume(std::string_view(buffer, static_cast<size_t>(n)));
            } else if (n == 0) {
                return true;
            } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
                writer_seen_ = true;
                return false;
            } else if (errno != EINTR) {
                throw InfraError("watchdog FIFO " + options_.fifo.string() + ": read: " + errno_text(errno));
            }
        }
        return false;
    }

    // The kernel pings on every write, whatever its content, and honours the magic close only when
    // "V" came last before the close; we do the same byte by byte.
    void consume(std::string_view bytes) {
        last_ping_ = Clock::now();
        for (char c : bytes) {
            if (in_command_) {
                if (c == '\n') {
                    in_command_ = false;
                    command(command_);
                } else if (command_.size() < max_command_length) {
                    command_ += c;
                }
            } else if (c == 'C') {
                in_command_ = true;
                command_.clear();
                magic_ = false;
            } else {
                magic_ = c == 'V';
            }
        }
    }

    void command(const std::string &text) {
        constexpr std::string_view prefix = "timeout=";
        double seconds = 0;
        bool ok = false;
        if (text.starts_with(prefix)) {
            // Patroni formats the number with str(): "25", or "25.0" if the ttl was a float.
            const char *begin = text.c_str() + prefix.size();
            char *end = nullptr;
            errno = 0;
            seconds = std::strtod(begin, &end);
            ok = end != begin && *end == '\0' && errno == 0 && std::isfinite(seconds) && seconds > 0 &&
                 seconds <= 1e6;
        }
        if (!ok) {
            emit("bad_command", {{"text", "C" + text}});
            return;
        }
        armed_ = true;
        timeout_s_ = seconds;
        timeout_ = milliseconds(std::llround(seconds * 1000));
        last_ping_ = Clock::now();
        emit("armed", {{"timeout_s", seconds_value(timeout_s_)}});
    }

    void writer_closed() {
        if (armed_ && magic_ && !in_command_) {
            armed_ = false;
            emit("disarmed", Json::object());
        } else if (armed_) {
            // As the kernel's: an unexpected close leaves the watchdog running.
            emit("closed", {{"timeout_s", seconds_value(timeout_s_)}});
        }
        magic_ = false;
        in_command_ = false;
        command_.clear();
    }

    void fire() {
        auto silent = std::chrono::duration_cast<milliseconds>(Clock::now() - last_ping_);
        armed_ = false;
        Json killed = Json::array();
        // Patroni first, so it cannot restart the postmaster we are about to kill.
        auto patroni = read_pid(options_.patroni_pid_file);
        killed.push_back(kill_entry("patroni", patroni));
        auto postmaster = read_pid(options_.data_dir / "postmaster.pid");
        // Backends only notice the postmaster's death at their next wait, and could still commit;
        // a reset would stop them at once. Listed before the kill, while they are still its children.
        std::vector<pid_t> children = postmaster ? children_of(*postmaster) : std::vector<pid_t>{};
        Json entry = kill_entry("postmaster", postmaster);
        int children_killed = 0;
        for (pid_t child : children)
            if (kill_now(child) == "killed") ++children_killed;
        entry["children_killed"] = children_killed;
        killed.push_back(entry);
        emit("fired",
             {{"timeout_s", seconds_value(timeout_s_)}, {"silent_ms", silent.count()}, {"killed", killed}});
    }

    static Json kill_entry(const std::string &what, std::optional<pid_t> pid) {
        if (!pid) return {{"what", what}, {"pid", nullptr}, {"result", "no pid"}};
        return {{"what", what}, {"pid", *pid}, {"result", kill_now(*pid)}};
    }

    // Best effort: a full disk must not stop the watchdog itself.
    void emit(const std::string &event, const Json &fields) {
        Json line = {{"wall", utc_timestamp()}, {"member", options_.member}, {"event", event}};
        line.update(fields);
        std::ofstream out(options_.events_file, std::ios::app);
        out << line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    }

    const WatchdogMonitorOptions &options_;
    Fd fd_;
    bool writer_seen_ = false;  // a writer was connected to the current descriptor
    bool armed_ = false;
    double timeout_s_ = 0;
    milliseconds timeout_{0};
    Clock::time_point last_ping_{};
    bool magic_ = false;  // "V" was the last byte
    bool in_command_ = false;
    std::string command_;
};

}  // namespace

void run_watchdog_monitor(const WatchdogMonitorOptions &options) {
    Monitor(options).run();
}

}  // namespace drillhost::sandbox
