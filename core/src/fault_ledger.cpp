#include <drillhost/core/bounded_json.hpp>
#include <drillhost/core/errors.hpp>
#include <drillhost/core/fault_ledger.hpp>
#include <drillhost/core/file_trust.hpp>
#include <drillhost/core/journal.hpp>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string_view>

namespace drillhost {
namespace fs = std::filesystem;

namespace {

// Far beyond any real run (a line per step); a bigger file is not a ledger drillhost wrote.
constexpr size_t max_ledger_bytes = 64u << 20;

const nlohmann::json empty_object = nlohmann::json::object();

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

// One ledger line being replayed: every complaint names the file and the line.
struct Line {
    const std::string &origin;
    size_t number;
    const nlohmann::json &value;

    [[noreturn]] void malformed(const std::string &what) const {
        throw MalformedLedger(origin + ":" + std::to_string(number) + ": malformed ledger line: " + what +
                              "; the ledger is kept as it is and none of its faults is reverted: check them "
                              "by hand, then run `drillhost recover --forget " +
                              fs::path(origin).filename().string() + "`");
    }
    // A field that must be a string (`required`), or may be absent.
    std::string text(const char *field, bool required) const {
        auto it = value.find(field);
        if (it == value.end()) {
            if (required) malformed("no \"" + std::string(field) + "\" field");
            return {};
        }
        if (!it->is_string())
            malformed("\"" + std::string(field) + "\" is " + it->type_name() + ", not a string");
        return it->get<std::string>();
    }
    // A field that must be a JSON object; `{}` when absent and not required.
    nlohmann::json object(const char *field, bool required) const {
        auto it = value.find(field);
        if (it == value.end()) {
            if (required) malformed("no \"" + std::string(field) + "\" field");
            return nlohmann::json::object();
        }
        if (!it->is_object())
            malformed("\"" + std::string(field) + "\" is " + it->type_name() + ", not an object");
        return *it;
    }
    uint64_t fault_id() const {
        auto it = value.find("fault");
        if (it == value.end()) malformed("no \"fault\" id");
        if (!it->is_number_unsigned() || it->get<uint64_t>() == 0)
            malformed("fault id " + dump_json(*it) + " is not a positive integer");
        return it->get<uint64_t>();
    }
};

bool known_op(const std::string &op) {
    for (const char *known : {"open", "intent", "applied", "failed", "reverted", "revert_failed", "closed"})
        if (op == known) return true;
    return false;
}

}  // namespace

LedgerContents read_ledger(const std::string &text, const std::string &origin) {
    LedgerContents contents;
    auto &entries = contents.entries;
    size_t number = 0;
    size_t begin = 0;
    bool seen_first = false;
    while (begin < text.size()) {
        size_t end = text.find('\n', begin);
        bool terminated = end != std::string::npos;
        std::string_view raw(text.data() + begin, (terminated ? end : text.size()) - begin);
        begin = terminated ? end + 1 : text.size();
        ++number;
        if (raw.empty()) continue;
        auto parsed = try_parse_bounded_json(raw);
        if (!parsed && !terminated) break;  // torn by a crash mid-write: that step never happened
        nlohmann::json empty;
        Line line{origin, number, parsed ? *parsed : empty};
        if (!parsed)
            line.malformed("not JSON, or nested deeper than " + std::to_string(max_json_depth) + " levels");
        if (!parsed->is_object())
            line.malformed("a JSON " + std::string(parsed->type_name()) + ", not an object");
        std::string op = line.text("op", true);
        if (!known_op(op)) line.malformed("unknown op \"" + valid_utf8(op) + "\"");
        bool first = !seen_first;
        seen_first = true;
        if (first && op != "open") line.malformed("the first line is \"" + op + "\", not \"open\"");
        if (op == "open") {
            if (!first) line.malformed("\"open\" after the first line");
            contents.target = line.object("target", false);
            continue;
        }
        if (op == "closed") continue;
        uint64_t id = line.fault_id();
        auto it =
            std::find_if(entries.begin(), entries.end(), [&](const FaultEntry &e) { return e.id == id; });
        if (op == "intent") {
            if (it != entries.end())
                line.malformed("duplicate intent for fault " + std::to_string(id) +
                               " (a fault id is used once per ledger)");
            FaultEntry entry;
            entry.id = id;
            // A fault names its injector; a cleanup record (ABI 1.3) its component, act and undo.
            if (parsed->contains("undo")) {
                if (parsed->contains("injector")) line.malformed("both \"injector\" and \"undo\"");
                entry.injector = line.text("component", true);
                entry.operation = line.text("operation", true);
                entry.undo = line.text("undo", true);
                if (entry.undo.empty()) line.malformed("empty \"undo\"");
                if (entry.injector.empty()) line.malformed("empty \"component\"");
            } else {
                entry.injector = line.text("injector", true);
                if (entry.injector.empty()) line.malformed("empty \"injector\"");
            }
            entry.plugin_path = line.text("plugin", false);
            entry.drill = line.text("drill", false);
            // null: what record_intent wrote for "no params" before it wrote {}.
            if (auto p = parsed->find("params"); p != parsed->end() && p->is_null())
                entry.params = nlohmann::json::object();
            else
                entry.params = line.object("params", false);
            entries.push_back(std::move(entry));
            continue;
        }
        if (it == entries.end())
            line.malformed("\"" + op + "\" for unknown fault " + std::to_string(id) +
                           " (no intent before it)");
        if (op == "applied") {
            it->record = line.object("record", true);
            it->state = FaultEntry::State::applied;
        } else if (op == "failed") {
            it->last_error = line.text("error", false);
            it->state = FaultEntry::State::failed;
        } else if (op == "reverted") {
            it->state = FaultEntry::State::reverted;
        } else {  // revert_failed: stays open
            it->last_error = line.text("error", false);
        }
    }
    return contents;
}

std::vector<FaultEntry> replay_ledger(const std::string &text, const std::string &origin) {
    return read_ledger(text, origin).entries;
}

std::vector<FaultEntry> salvage_ledger(const std::string &text) {
    std::vector<FaultEntry> entries;
    size_t begin = 0;
    while (begin < text.size()) {
        size_t end = text.find('\n', begin);
        if (end == std::string::npos) end = text.size();
        auto parsed = try_parse_bounded_json(std::string_view(text.data() + begin, end - begin));
        begin = end + 1;
        if (!parsed || !parsed->is_object()) continue;
        auto op = parsed->find("op");
        auto fault = parsed->find("fault");
        if (op == parsed->end() || !op->is_string() || fault == parsed->end()) continue;
        std::string name = op->get<std::string>();
        if (name == "intent") {
            FaultEntry entry;
            entry.id = fault->is_number_unsigned() ? fault->get<uint64_t>() : 0;
            const char *who = parsed->contains("undo") ? "component" : "injector";
            auto injector = parsed->find(who);
            entry.injector = injector != parsed->end() && injector->is_string()
                                 ? injector->get<std::string>()
                                 : dump_json(parsed->value(who, nlohmann::json()));
            if (auto undo = parsed->find("undo"); undo != parsed->end() && undo->is_string())
                entry.undo = undo->get<std::string>();
            auto params = parsed->find("params");
            if (params != parsed->end()) entry.params = *params;
            entries.push_back(std::move(entry));
            continue;
        }
        if (!fault->is_number_unsigned()) continue;
        for (auto &entry : entries) {
            if (entry.id != fault->get<uint64_t>()) continue;
            if (name == "applied") {
                entry.state = FaultEntry::State::applied;
                entry.record = parsed->value("record", nlohmann::json());
            } else if (name == "failed") {
                entry.state = FaultEntry::State::failed;
            } else if (name == "reverted") {
                entry.state = FaultEntry::State::reverted;
            }
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
    ensure_private_directory(dir, "ledger directory");  // 0700: ledgers carry the target's credentials
    fs::path path = dir / (run_id + ".jsonl");
    // Read-write: the run reads it back after a worker process appended to it (reload()).
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) throw InfraError("fault ledger " + path.string() + ": cannot create: " + errno_text());
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        ::close(fd);
        throw InfraError("fault ledger " + path.string() + ": cannot lock: " + errno_text());
    }
    ::fchmod(fd, 0600);  // whatever the umask
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
    return open_existing(file, false);
}

std::optional<FaultLedger> FaultLedger::inspect(const fs::path &file) {
    return open_existing(file, true);
}

std::optional<FaultLedger> FaultLedger::open_existing(const fs::path &file, bool read_only) {
    // O_NOFOLLOW, a regular file, private, ours: a symlink named *.jsonl must not make root append to
    // (or truncate, or move) whatever it points at.
    int fd = open_trusted_file(file, read_only ? O_RDONLY : (O_RDWR | O_APPEND), "fault ledger");
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int error = errno;
        ::close(fd);
        if (error == EWOULDBLOCK) return std::nullopt;
        throw InfraError("fault ledger " + file.string() + ": cannot lock: " + std::strerror(error));
    }
    try {
        // Read through the descriptor just checked and locked, never by name again.
        std::string text = read_through(fd, file);
        auto contents = read_ledger(text, file.string());
        FaultLedger ledger(file, fd, std::move(contents.entries));
        ledger.target_ = std::move(contents.target);
        ledger.read_only_ = read_only;
        if (!read_only) ledger.repair_torn_tail(text);
        return ledger;
    } catch (...) {
        ::close(fd);
        throw;
    }
}

std::string FaultLedger::read_through(int fd, const fs::path &file) {
    std::string text;
    char buffer[65536];
    off_t offset = 0;
    for (;;) {
        ssize_t got = ::pread(fd, buffer, sizeof buffer, offset);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) throw InfraError("fault ledger " + file.string() + ": cannot read: " + errno_text());
        if (got == 0) break;
        text.append(buffer, static_cast<size_t>(got));
        offset += got;
        if (text.size() > max_ledger_bytes)
            throw MalformedLedger(file.string() + ": larger than " + std::to_string(max_ledger_bytes) +
                                  " bytes, not a ledger drillhost wrote; it is kept as it is");
    }
    return text;
}

FaultLedger FaultLedger::attach(int fd, const fs::path &path) {
    try {
        auto contents = read_ledger(read_through(fd, path), path.string());
        FaultLedger ledger(path, fd, std::move(contents.entries));
        ledger.target_ = std::move(contents.target);
        return ledger;
    } catch (...) {
        ::close(fd);
        throw;
    }
}

void FaultLedger::reload() {
    std::lock_guard lock(mutex_);
    std::string text = read_through(fd_, path_);
    auto contents = read_ledger(text, path_.string());
    if (!read_only_) repair_torn_tail(text);
    entries_ = std::move(contents.entries);
}

std::vector<fs::path> FaultLedger::pending(const fs::path &dir) {
    std::vector<fs::path> files;
    std::error_code ec;
    for (const auto &entry : fs::directory_iterator(dir, ec)) {
        std::error_code type_ec;
        if (entry.path().extension() != ".jsonl") continue;
        if (!entry.is_symlink(type_ec) && entry.is_directory(type_ec)) continue;
        files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    return files;
}

void FaultLedger::repair_torn_tail(const std::string &text) {
    if (text.empty() || text.back() == '\n') return;
    auto last_newline = text.rfind('\n');
    std::string tail = text.substr(last_newline == std::string::npos ? 0 : last_newline + 1);
    if (try_parse_bounded_json(tail)) {
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
    if (read_only_)
        throw InfraError("fault ledger " + path_.string() + ": opened read-only (inspected), cannot append");
    // dump_json: an injector's error text that is not valid UTF-8 must not stop the ledger.
    std::string text = dump_json(line) + "\n";
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
    FaultEntry entry;
    entry.injector = injector;
    entry.plugin_path = plugin_path;
    entry.drill = drill;
    entry.params = params;
    return append_intent(std::move(entry));
}

uint64_t FaultLedger::record_cleanup_intent(const std::string &component, const std::string &plugin_path,
                                            const std::string &drill, const std::string &operation,
                                            const std::string &undo, const nlohmann::json &params) {
    FaultEntry entry;
    entry.injector = component;
    entry.plugin_path = plugin_path;
    entry.drill = drill;
    entry.params = params;
    entry.operation = operation;
    entry.undo = undo;
    return append_intent(std::move(entry));
}

uint64_t FaultLedger::append_intent(FaultEntry entry) {
    std::lock_guard lock(mutex_);
    entry.id = entries_.empty() ? 1 : entries_.back().id + 1;
    if (entry.params.is_null()) entry.params = empty_object;
    nlohmann::json line = {{"op", "intent"},       {"fault", entry.id},      {"plugin", entry.plugin_path},
                           {"drill", entry.drill}, {"params", entry.params}, {"wall", utc_timestamp()}};
    // A fault names its injector; a cleanup record its component, act and undo (docs/ledger.md).
    if (entry.cleanup()) {
        line["component"] = entry.injector;
        line["operation"] = entry.operation;
        line["undo"] = entry.undo;
    } else {
        line["injector"] = entry.injector;
    }
    append(line);
    entries_.push_back(std::move(entry));
    return entries_.back().id;
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

std::vector<FaultEntry> FaultLedger::entries() const {
    std::lock_guard lock(mutex_);
    return entries_;
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
    try {
        ensure_private_directory(closed_dir, "closed-ledger directory");
    } catch (const std::exception &) {
        return false;  // closed in place: replay sees nothing open, a later recover moves it
    }
    fs::path target = closed_dir / path_.filename();
    fs::rename(path_, target, ec);
    if (ec) return false;
    fsync_directory(path_.parent_path());
    path_ = target;
    return true;
}

}  // namespace drillhost
