#include <drillhost/core/errors.hpp>
#include <drillhost/core/fault_ledger.hpp>
#include <drillhost/core/journal.hpp>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace drillhost {
namespace fs = std::filesystem;

namespace {

std::string errno_text() {
    return std::strerror(errno);
}

void fsync_directory(const fs::path &dir) {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
}

FaultEntry::State state_of(const std::string &op) {
    if (op == "applied") return FaultEntry::State::applied;
    if (op == "failed") return FaultEntry::State::failed;
    return FaultEntry::State::reverted;
}

}  // namespace

std::vector<FaultEntry> replay_ledger(const std::string &text, const std::string &origin) {
    std::vector<FaultEntry> entries;
    std::istringstream lines(text);
    std::string line;
    size_t number = 0;
    bool complete_text = !text.empty() && text.back() == '\n';
    while (std::getline(lines, line)) {
        ++number;
        if (line.empty()) continue;
        auto parsed = nlohmann::json::parse(line, nullptr, false);
        bool last = lines.peek() == EOF;
        if (parsed.is_discarded() || !parsed.is_object()) {
            if (last && !complete_text) break;  // torn by a crash mid-write: that step never happened
            throw InfraError(origin + ":" + std::to_string(number) +
                             ": malformed ledger line; fix or move the file");
        }
        std::string op = parsed.value("op", "");
        if (op == "open" || op == "closed") continue;
        uint64_t id = parsed.value("fault", uint64_t{0});
        if (op == "intent") {
            FaultEntry entry;
            entry.id = id;
            entry.injector = parsed.value("injector", "");
            entry.plugin_path = parsed.value("plugin", "");
            entry.drill = parsed.value("drill", "");
            entry.params = parsed.value("params", nlohmann::json::object());
            entries.push_back(std::move(entry));
            continue;
        }
        auto it =
            std::find_if(entries.begin(), entries.end(), [&](const FaultEntry &e) { return e.id == id; });
        if (it == entries.end())
            throw InfraError(origin + ":" + std::to_string(number) + ": '" + op + "' for unknown fault " +
                             std::to_string(id));
        if (op == "revert_failed") {
            it->last_error = parsed.value("error", "");
        } else {
            it->state = state_of(op);
            if (op == "applied") it->record = parsed.value("record", nlohmann::json::object());
            if (op == "failed") it->last_error = parsed.value("error", "");
        }
    }
    return entries;
}

FaultLedger::FaultLedger(fs::path path, int fd, std::vector<FaultEntry> entries)
    : path_(std::move(path)), fd_(fd), entries_(std::move(entries)) {}

FaultLedger::FaultLedger(FaultLedger &&other) noexcept
    : path_(std::move(other.path_)),
      fd_(std::exchange(other.fd_, -1)),
      entries_(std::move(other.entries_)),
      target_(std::move(other.target_)) {}

FaultLedger::~FaultLedger() {
    if (fd_ >= 0) ::close(fd_);  // releases the lock
}

FaultLedger FaultLedger::create(const fs::path &dir, const std::string &run_id,
                                const nlohmann::json &target) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    fs::path path = dir / (run_id + ".jsonl");
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) throw InfraError("fault ledger " + path.string() + ": cannot create: " + errno_text());
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        ::close(fd);
        throw InfraError("fault ledger " + path.string() + ": cannot lock: " + errno_text());
    }
    fsync_directory(dir);
    FaultLedger ledger(path, fd, {});
    ledger.target_ = target;
    char hostname[256] = {};
    ::gethostname(hostname, sizeof hostname - 1);
    ledger.append({{"op", "open"},
                   {"run", run_id},
                   {"pid", ::getpid()},
                   {"hostname", hostname},
                   {"target", target},
                   {"wall", utc_timestamp()}});
    return ledger;
}

std::optional<FaultLedger> FaultLedger::adopt(const fs::path &file) {
    int fd = ::open(file.c_str(), O_RDWR | O_APPEND | O_CLOEXEC);
    if (fd < 0) throw InfraError("fault ledger " + file.string() + ": cannot open: " + errno_text());
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        ::close(fd);
        if (errno == EWOULDBLOCK) return std::nullopt;
        throw InfraError("fault ledger " + file.string() + ": cannot lock: " + errno_text());
    }
    std::ifstream in(file, std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    std::string text = buffer.str();
    try {
        auto entries = replay_ledger(text, file.string());
        FaultLedger ledger(file, fd, std::move(entries));
        auto first = nlohmann::json::parse(text.substr(0, text.find('\n')), nullptr, false);
        if (first.is_object() && first.value("op", "") == "open")
            ledger.target_ = first.value("target", nlohmann::json::object());
        ledger.repair_torn_tail(text);
        return ledger;
    } catch (...) {
        ::close(fd);
        throw;
    }
}

std::vector<fs::path> FaultLedger::pending(const fs::path &dir) {
    std::vector<fs::path> files;
    std::error_code ec;
    for (const auto &entry : fs::directory_iterator(dir, ec))
        if (entry.is_regular_file() && entry.path().extension() == ".jsonl") files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    return files;
}

void FaultLedger::repair_torn_tail(const std::string &text) {
    if (text.empty() || text.back() == '\n') return;
    auto last_newline = text.rfind('\n');
    std::string tail = text.substr(last_newline == std::string::npos ? 0 : last_newline + 1);
    if (!nlohmann::json::parse(tail, nullptr, false).is_discarded()) {
        // A whole line that only lost its newline: keep it, end it.
        if (::write(fd_, "\n", 1) != 1 || ::fdatasync(fd_) != 0)
            throw InfraError("fault ledger " + path_.string() + ": cannot repair: " + errno_text());
        return;
    }
    // A fragment of a line the crash interrupted: that step never happened, drop it so the next
    // line does not land after it.
    off_t keep = last_newline == std::string::npos ? 0 : static_cast<off_t>(last_newline + 1);
    if (::ftruncate(fd_, keep) != 0 || ::fdatasync(fd_) != 0)
        throw InfraError("fault ledger " + path_.string() + ": cannot drop a torn line: " + errno_text());
}

void FaultLedger::append(const nlohmann::json &line) {
    std::string text = line.dump() + "\n";
    const char *data = text.data();
    size_t left = text.size();
    while (left > 0) {
        ssize_t written = ::write(fd_, data, left);
        if (written < 0 && errno == EINTR) continue;
        if (written <= 0)
            throw InfraError("fault ledger " + path_.string() + ": write failed: " + errno_text());
        data += written;
        left -= static_cast<size_t>(written);
    }
    // The whole point of the ledger: on disk before the fault exists.
    if (::fdatasync(fd_) != 0)
        throw InfraError("fault ledger " + path_.string() + ": fsync failed: " + errno_text());
}

FaultEntry &FaultLedger::find_locked(uint64_t id) {
    auto it = std::find_if(entries_.begin(), entries_.end(), [&](const FaultEntry &e) { return e.id == id; });
    if (it == entries_.end()) throw InfraError("fault ledger: no fault " + std::to_string(id));
    return *it;
}

uint64_t FaultLedger::record_intent(const std::string &injector, const std::string &plugin_path,
                                    const std::string &drill, const nlohmann::json &params) {
    std::lock_guard lock(mutex_);
    uint64_t id = entries_.empty() ? 1 : entries_.back().id + 1;
    append({{"op", "intent"},
            {"fault", id},
            {"injector", injector},
            {"plugin", plugin_path},
            {"drill", drill},
            {"params", params},
            {"wall", utc_timestamp()}});
    FaultEntry entry;
    entry.id = id;
    entry.injector = injector;
    entry.plugin_path = plugin_path;
    entry.drill = drill;
    entry.params = params;
    entries_.push_back(std::move(entry));
    return id;
}

void FaultLedger::record_applied(uint64_t id, const nlohmann::json &record) {
    std::lock_guard lock(mutex_);
    append({{"op", "applied"}, {"fault", id}, {"record", record}, {"wall", utc_timestamp()}});
    auto &entry = find_locked(id);
    entry.state = FaultEntry::State::applied;
    entry.record = record;
}

void FaultLedger::record_failed(uint64_t id, const std::string &error) {
    std::lock_guard lock(mutex_);
    append({{"op", "failed"}, {"fault", id}, {"error", error}, {"wall", utc_timestamp()}});
    auto &entry = find_locked(id);
    entry.state = FaultEntry::State::failed;
    entry.last_error = error;
}

void FaultLedger::record_reverted(uint64_t id) {
    std::lock_guard lock(mutex_);
    append({{"op", "reverted"}, {"fault", id}, {"wall", utc_timestamp()}});
    find_locked(id).state = FaultEntry::State::reverted;
}

void FaultLedger::record_revert_failed(uint64_t id, const std::string &error) {
    std::lock_guard lock(mutex_);
    append({{"op", "revert_failed"}, {"fault", id}, {"error", error}, {"wall", utc_timestamp()}});
    find_locked(id).last_error = error;
}

std::optional<FaultEntry> FaultLedger::entry(uint64_t id) const {
    std::lock_guard lock(mutex_);
    for (const auto &e : entries_)
        if (e.id == id) return e;
    return std::nullopt;
}

std::vector<FaultEntry> FaultLedger::open_faults(const std::string &drill) const {
    std::lock_guard lock(mutex_);
    std::vector<FaultEntry> open;
    for (auto it = entries_.rbegin(); it != entries_.rend(); ++it)
        if (it->open() && (drill.empty() || it->drill == drill)) open.push_back(*it);
    return open;
}

bool FaultLedger::close_if_clean() {
    if (!open_faults().empty()) return false;
    std::lock_guard lock(mutex_);
    append({{"op", "closed"}, {"wall", utc_timestamp()}});
    fs::path closed_dir = path_.parent_path() / "closed";
    std::error_code ec;
    fs::create_directories(closed_dir, ec);
    fs::path target = closed_dir / path_.filename();
    fs::rename(path_, target, ec);
    if (ec) return false;
    fsync_directory(path_.parent_path());
    path_ = target;
    return true;
}

}  // namespace drillhost
