// The watchdog monitor against real FIFOs and real processes: `sleep` stands in for Patroni and the
// postmaster, a writer thread for Patroni's testing watchdog driver ("Ctimeout=N\n", "1", "V").
#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <exception>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <drillhost/sandbox/watchdog_monitor.hpp>
#include "temp_dir.hpp"

extern char **environ;

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using drillhost::sandbox::run_watchdog_monitor;
using drillhost::sandbox::WatchdogMonitorOptions;

// A child process that is SIGKILLed and reaped when the test ends, whatever happened.
class Child {
  public:
    explicit Child(const std::vector<std::string> &argv) {
        std::vector<char *> args;
        for (const auto &a : argv) args.push_back(const_cast<char *>(a.c_str()));
        args.push_back(nullptr);
        REQUIRE(posix_spawnp(&pid_, args[0], nullptr, nullptr, args.data(), environ) == 0);
    }
    ~Child() {
        if (pid_ > 0) {
            kill(pid_, SIGKILL);
            waitpid(pid_, nullptr, 0);
        }
    }
    Child(const Child &) = delete;
    Child &operator=(const Child &) = delete;

    pid_t pid() const { return pid_; }
    bool alive() { return pid_ > 0 && waitpid(pid_, nullptr, WNOHANG) == 0; }
    // The wait status once it exited, or nullopt if it still runs after `timeout`.
    std::optional<int> wait_exit(Clock::duration timeout) {
        auto deadline = Clock::now() + timeout;
        do {
            int status = 0;
            if (waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = -1;
                return status;
            }
            std::this_thread::sleep_for(10ms);
        } while (Clock::now() < deadline);
        return std::nullopt;
    }

  private:
    pid_t pid_ = -1;
};

bool killed_by_sigkill(const std::optional<int> &status) {
    return status && WIFSIGNALED(*status) && WTERMSIG(*status) == SIGKILL;
}

// A process that is not our child is gone once /proc no longer has it or it is a zombie (whoever
// inherited it may not reap it).
bool process_gone(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string text;
    if (!std::getline(in, text)) return true;
    auto close = text.rfind(')');
    return close != std::string::npos && close + 2 < text.size() && text[close + 2] == 'Z';
}

template <typename Predicate>
bool wait_until(Predicate predicate, Clock::duration timeout) {
    auto deadline = Clock::now() + timeout;
    while (!predicate()) {
        if (Clock::now() >= deadline) return false;
        std::this_thread::sleep_for(10ms);
    }
    return true;
}

// Patroni's side of the FIFO. Opened non-blocking and retried until the monitor has made the FIFO
// and opened it (ENOENT, ENXIO), so a monitor that failed to start fails the test instead of hanging
// it; then made blocking, as Patroni's is.
class Writer {
  public:
    explicit Writer(const fs::path &fifo) {
        auto deadline = Clock::now() + 10s;
        while ((fd_ = open(fifo.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC)) < 0 &&
               (errno == ENXIO || errno == ENOENT) && Clock::now() < deadline)
            std::this_thread::sleep_for(10ms);
        REQUIRE(fd_ >= 0);
        fcntl(fd_, F_SETFL, fcntl(fd_, F_GETFL) & ~O_NONBLOCK);
    }
    ~Writer() { close(); }
    Writer(const Writer &) = delete;
    Writer &operator=(const Writer &) = delete;

    void write(const std::string &bytes) {
        REQUIRE(fd_ >= 0);
        REQUIRE(::write(fd_, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()));
    }
    void close() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }

  private:
    int fd_ = -1;
};

// The monitor on its own thread, stopped and joined when the test ends.
class MonitorThread {
  public:
    explicit MonitorThread(WatchdogMonitorOptions options) {
        options.should_stop = [this] { return stop_.load(); };
        thread_ = std::thread([this, options] {
            try {
                run_watchdog_monitor(options);
            } catch (...) {
                error_ = std::current_exception();
            }
        });
    }
    ~MonitorThread() { finish(); }
    MonitorThread(const MonitorThread &) = delete;
    MonitorThread &operator=(const MonitorThread &) = delete;

    // Stops the monitor; the error it ended with, if any.
    std::string finish() {
        stop_ = true;
        if (thread_.joinable()) thread_.join();
        if (!error_) return "";
        try {
            std::rethrow_exception(error_);
        } catch (const std::exception &e) {
            return e.what();
        }
    }

  private:
    std::atomic<bool> stop_{false};
    std::exception_ptr error_;
    std::thread thread_;
};

// A member's files in a temp dir, with fake Patroni and postmaster processes.
struct Member {
    TempDir dir;
    fs::path fifo = dir.path() / "watchdog";
    fs::path patroni_pid_file = dir.path() / "patroni.pid";
    fs::path data_dir = dir.path() / "data";
    fs::path events_file = dir.path() / "events.jsonl";

    Member() { fs::create_directories(data_dir); }

    WatchdogMonitorOptions options() const {
        WatchdogMonitorOptions o;
        o.fifo = fifo;
        o.patroni_pid_file = patroni_pid_file;
        o.data_dir = data_dir;
        o.events_file = events_file;
        o.member = "pg-1";
        return o;
    }
    void write_pids(pid_t patroni, pid_t postmaster) const {
        std::ofstream(patroni_pid_file) << patroni << "\n";
        // As PostgreSQL writes it: pid, data dir, start time, port, ...
        std::ofstream(data_dir / "postmaster.pid") << postmaster << "\n"
                                                   << data_dir.string() << "\n1700000000\n5432\n";
    }
    std::vector<nlohmann::json> events() const {
        std::vector<nlohmann::json> list;
        std::ifstream in(events_file);
        for (std::string line; std::getline(in, line);) list.push_back(nlohmann::json::parse(line));
        return list;
    }
    std::vector<std::string> event_names() const {
        std::vector<std::string> names;
        for (const auto &e : events()) names.push_back(e.at("event").get<std::string>());
        return names;
    }
    bool has_event(const std::string &name) const {
        for (const auto &n : event_names())
            if (n == name) return true;
        return false;
    }
    const nlohmann::json event(const std::string &name) const {
        for (const auto &e : events())
            if (e.at("event") == name) return e;
        return nullptr;
    }
};

// Writes "Ctimeout=<timeout>\n", then "1" every 200 ms for `duration`; returns the last write's time.
Clock::time_point arm_and_keep_alive(Writer &writer, int timeout, Clock::duration duration) {
    writer.write("Ctimeout=" + std::to_string(timeout) + "\n");
    auto last = Clock::now();
    for (auto end = last + duration; Clock::now() < end;) {
        std::this_thread::sleep_for(200ms);
        writer.write("1");
        last = Clock::now();
    }
    return last;
}

double process_cpu_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

}  // namespace

TEST_CASE("watchdog monitor: keepalives hold it off, silence with the FIFO open fires it (SIGSTOP)") {
    Member m;
    Child patroni({"sleep", "60"});
    Child postmaster({"sleep", "60"});
    m.write_pids(patroni.pid(), postmaster.pid());
    MonitorThread monitor(m.options());

    Writer writer(m.fifo);
    auto last = arm_and_keep_alive(writer, 1, 2s);
    CHECK(patroni.alive());
    CHECK(postmaster.alive());
    CHECK_FALSE(m.has_event("fired"));

    // Stop writing but keep the FIFO open, as a frozen Patroni does.
    auto patroni_status = patroni.wait_exit(10s);
    auto elapsed = Clock::now() - last;
    CHECK(killed_by_sigkill(patroni_status));
    CHECK(elapsed >= 1s);  // never before the timeout
    CHECK(elapsed < 6s);   // ~1.1 s when idle; generous for a loaded machine
    CHECK(killed_by_sigkill(postmaster.wait_exit(5s)));

    REQUIRE(wait_until([&] { return m.has_event("fired"); }, 5s));
    CHECK(m.event_names() == std::vector<std::string>{"armed", "fired"});
    auto armed = m.event("armed");
    CHECK(armed["timeout_s"] == 1);
    CHECK(armed["member"] == "pg-1");
    auto fired = m.event("fired");
    CHECK(std::regex_match(fired["wall"].get<std::string>(),
                           std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")));
    CHECK(fired["timeout_s"] == 1);
    CHECK(fired["silent_ms"].get<long>() >= 1000);
    REQUIRE(fired["killed"].size() == 2);
    CHECK(fired["killed"][0]["what"] == "patroni");
    CHECK(fired["killed"][0]["result"] == "killed");
    CHECK(fired["killed"][1]["what"] == "postmaster");
    CHECK(fired["killed"][1]["result"] == "killed");
    CHECK(fired["killed"][1]["children_killed"] == 0);

    // The killed Patroni's close: disarmed already, so nothing to say. A new Patroni reopens the
    // FIFO and arms it again, and closes it cleanly.
    writer.close();
    Writer next(m.fifo);
    next.write("Ctimeout=3\n");
    REQUIRE(wait_until([&] { return m.events().size() == 3; }, 5s));
    CHECK(m.events()[2]["event"] == "armed");
    CHECK(m.events()[2]["timeout_s"] == 3);
    next.write("V");
    next.close();
    REQUIRE(wait_until([&] { return m.has_event("disarmed"); }, 5s));
    CHECK(m.event_names() == std::vector<std::string>{"armed", "fired", "armed", "disarmed"});
    CHECK(monitor.finish() == "");
}

TEST_CASE("watchdog monitor: a magic close disarms it, and an idle monitor does not spin") {
    Member m;
    Child patroni({"sleep", "60"});
    Child postmaster({"sleep", "60"});
    m.write_pids(patroni.pid(), postmaster.pid());
    MonitorThread monitor(m.options());

    {
        Writer writer(m.fifo);
        arm_and_keep_alive(writer, 1, 600ms);
        writer.write("V");
    }
    { Writer silent(m.fifo); }  // opens and closes without a byte: a hang-up with nothing read

    auto cpu_before = process_cpu_seconds();
    std::this_thread::sleep_for(2s);
    auto cpu_used = process_cpu_seconds() - cpu_before;
    CHECK(cpu_used < 0.3);  // a POLLHUP busy loop would burn ~2 s
    CHECK(patroni.alive());
    CHECK(postmaster.alive());
    CHECK(m.event_names() == std::vector<std::string>{"armed", "disarmed"});
    CHECK(monitor.finish() == "");
}

TEST_CASE("watchdog monitor: a close without V stays armed and fires (SIGKILLed Patroni), backends too") {
    Member m;
    fs::path backend_pid_file = m.dir.path() / "backend.pid";
    Child patroni({"sleep", "60"});
    // A postmaster with a backend: the backend must die with it.
    Child postmaster({"sh", "-c", "sleep 60 & echo $! > '" + backend_pid_file.string() + "'; wait"});
    pid_t backend = 0;
    REQUIRE(wait_until(
        [&] {
            std::ifstream in(backend_pid_file);
            return static_cast<bool>(in >> backend);
        },
        5s));
    struct BackendReaper {
        pid_t pid;
        ~BackendReaper() {
            std::ifstream comm("/proc/" + std::to_string(pid) + "/comm");
            std::string name;
            if (std::getline(comm, name) && name == "sleep") kill(pid, SIGKILL);
        }
    } reaper{backend};
    pid_t postmaster_pid = postmaster.pid();
    m.write_pids(patroni.pid(), postmaster_pid);
    MonitorThread monitor(m.options());

    Clock::time_point last;
    {
        Writer writer(m.fifo);
        last = arm_and_keep_alive(writer, 1, 200ms);
    }
    REQUIRE(wait_until([&] { return m.has_event("closed"); }, 5s));
    CHECK(killed_by_sigkill(patroni.wait_exit(10s)));
    CHECK(Clock::now() - last >= 1s);
    CHECK(killed_by_sigkill(postmaster.wait_exit(5s)));
    CHECK(wait_until([&] { return process_gone(backend); }, 5s));

    REQUIRE(wait_until([&] { return m.has_event("fired"); }, 5s));
    CHECK(m.event_names() == std::vector<std::string>{"armed", "closed", "fired"});
    auto fired = m.event("fired");
    CHECK(fired["killed"][1]["pid"] == postmaster_pid);
    CHECK(fired["killed"][1]["children_killed"] == 1);
    CHECK(monitor.finish() == "");
}

TEST_CASE("watchdog monitor: a Patroni that restarts and reopens in time keeps it from firing") {
    Member m;
    Child patroni({"sleep", "60"});
    Child postmaster({"sleep", "60"});
    m.write_pids(patroni.pid(), postmaster.pid());
    MonitorThread monitor(m.options());

    {
        Writer first(m.fifo);
        arm_and_keep_alive(first, 1, 200ms);
    }
    REQUIRE(wait_until([&] { return m.has_event("closed"); }, 5s));
    {
        Writer second(m.fifo);
        arm_and_keep_alive(second, 1, 2s);
        second.write("V");
    }
    REQUIRE(wait_until([&] { return m.has_event("disarmed"); }, 5s));
    std::this_thread::sleep_for(1500ms);
    CHECK(patroni.alive());
    CHECK(postmaster.alive());
    CHECK(m.event_names() == std::vector<std::string>{"armed", "closed", "armed", "disarmed"});
    CHECK(monitor.finish() == "");
}

TEST_CASE("watchdog monitor: firing without pid files reports \"no pid\"") {
    Member m;
    MonitorThread monitor(m.options());
    Writer writer(m.fifo);
    writer.write("Cbogus\nCtimeout=1\n");
    REQUIRE(wait_until([&] { return m.has_event("fired"); }, 10s));
    CHECK(m.event_names() == std::vector<std::string>{"bad_command", "armed", "fired"});
    CHECK(m.event("bad_command")["text"] == "Cbogus");
    auto killed = m.event("fired")["killed"];
    CHECK(killed[0]["result"] == "no pid");
    CHECK(killed[0]["pid"].is_null());
    CHECK(killed[1]["result"] == "no pid");
    CHECK(monitor.finish() == "");
}
