// The fault ledger: an append-only, fsynced JSON-lines file per run that says which faults are
// applied and not yet reverted. It is written BEFORE each injection, so after a crash (even
// kill -9) `drillhost recover` knows exactly what to undo. See docs/ledger.md.
#pragma once

#include <drillhost/core/errors.hpp>

#include <cstdint>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace drillhost {

struct FaultEntry {
    enum class State { intent, applied, failed, reverted };

    uint64_t id = 0;
    // The component that puts it back: an injector (a fault), or for a cleanup record (ABI 1.3, an
    // act that created something) the probe or injector whose `undo` operation removes it.
    std::string injector;
    std::string plugin_path;  // where the injector came from, to name it in errors
    std::string drill;        // the drill that injected it
    nlohmann::json params;
    nlohmann::json record;  // the injector's record once applied
    State state = State::intent;
    std::string last_error;  // the last failed revert, if any
    std::string operation;   // a cleanup record: the act that created something ("" for a fault)
    std::string undo;        // a cleanup record: the operation that removes it ("" for a fault)

    bool cleanup() const { return !undo.empty(); }

    // Applied, or possibly applied (the process died before the injector returned).
    bool open() const { return state == State::intent || state == State::applied; }
};

// A ledger line that is not what drillhost writes (not JSON, a wrong-typed or missing field, an
// unknown op, a duplicate or unknown fault id, a first line that is not `open`). what() is
// "<file>:<line>: <what is wrong>; ...". recover keeps such a ledger as it is (docs/ledger.md).
class MalformedLedger : public InfraError {
  public:
    using InfraError::InfraError;
};

struct LedgerContents {
    nlohmann::json target = nlohmann::json::object();  // from the `open` line
    std::vector<FaultEntry> entries;                   // in injection order
};

// Replays ledger lines, strictly. A torn last line (not JSON and not ended by a newline: a crash
// mid-write) is ignored; anything else that is not exactly what drillhost writes throws
// MalformedLedger naming `origin` and the line number. Lines are parsed with a depth limit.
LedgerContents read_ledger(const std::string &text, const std::string &origin);
std::vector<FaultEntry> replay_ledger(const std::string &text, const std::string &origin);

// Best effort, for messages about a ledger that is malformed: every `intent` line that can be read
// (duplicates included) with the state its fault id's later lines give it. Never throws.
std::vector<FaultEntry> salvage_ledger(const std::string &text);

class FaultLedger {
  public:
    // Creates `<dir>/<run_id>.jsonl` and locks it for this process's lifetime. The run's target is
    // written in the first line, so `recover` reaches the same hosts from another process.
    static FaultLedger create(const std::filesystem::path &dir, const std::string &run_id,
                              const nlohmann::json &target = nlohmann::json::object());

    // Opens a ledger whose process is gone (its lock is free); nullopt while that process runs.
    // The file must be one drillhost trusts (file_trust.hpp: opened O_NOFOLLOW, a regular file, not
    // writable by group or others, owned by us or root): UntrustedPath otherwise, UsageError when it
    // cannot be opened, MalformedLedger when a line is malformed. Repairs a torn last line.
    static std::optional<FaultLedger> adopt(const std::filesystem::path &file);
    // The same checks and lock, read-only: changes nothing (no repair, no line can be appended).
    // For `recover --dry-run` and for finding which injectors recover needs.
    static std::optional<FaultLedger> inspect(const std::filesystem::path &file);

    // Entries of `dir` named *.jsonl that are not directories (symlinks and other odd files included,
    // so that recover reports them instead of silently skipping them), sorted by name.
    static std::vector<std::filesystem::path> pending(const std::filesystem::path &dir);

    // A ledger another process of this run holds open and locked, reached through `fd`, a duplicate
    // of that process's descriptor (so the lock is shared, not taken again). For a worker process
    // that injects or reverts on behalf of its parent (worker.hpp). Takes ownership of `fd`.
    static FaultLedger attach(int fd, const std::filesystem::path &path);

    FaultLedger(FaultLedger &&other) noexcept;
    FaultLedger &operator=(FaultLedger &&) = delete;
    ~FaultLedger();

    const std::filesystem::path &path() const { return path_; }
    const nlohmann::json &target() const { return target_; }  // the run's target ({} if none)

    // Each call appends one line and fsyncs before returning. Thread-safe.
    uint64_t record_intent(const std::string &injector, const std::string &plugin_path,
                           const std::string &drill, const nlohmann::json &params);
    // Before an act that creates something: what `undo` of `component` will be called to remove it.
    // The entry is then like a fault's: applied with the act's result as record, failed, reverted.
    uint64_t record_cleanup_intent(const std::string &component, const std::string &plugin_path,
                                   const std::string &drill, const std::string &operation,
                                   const std::string &undo, const nlohmann::json &params);
    void record_applied(uint64_t id, const nlohmann::json &record);
    void record_failed(uint64_t id, const std::string &error);  // the injector refused: not open
    void record_reverted(uint64_t id);
    void record_revert_failed(uint64_t id, const std::string &error);  // stays open

    std::optional<FaultEntry> entry(uint64_t id) const;
    // Every fault, in injection order.
    std::vector<FaultEntry> entries() const;
    // Faults still open, newest first (the order to revert them in).
    std::vector<FaultEntry> open_faults(const std::string &drill = {}) const;

    // Reads the file again through this ledger's descriptor: after a worker process appended to it.
    // A line the worker's death cut short is dropped, as recover would.
    void reload();
    // The descriptor that holds the lock, for a worker process to inherit (attach()).
    int descriptor() const { return fd_; }

    // With nothing open, marks the ledger closed and moves it to `<dir>/closed/`. Returns whether it did.
    bool close_if_clean();

  private:
    FaultLedger(std::filesystem::path path, int fd, std::vector<FaultEntry> entries);
    static std::optional<FaultLedger> open_existing(const std::filesystem::path &file, bool read_only);
    // The whole file, read through `fd` from its start.
    static std::string read_through(int fd, const std::filesystem::path &file);
    void append(const nlohmann::json &line);
    // Ends a ledger whose last line a crash cut short, so appends start on a fresh line.
    void repair_torn_tail(const std::string &text);
    FaultEntry &find_locked(uint64_t id);
    uint64_t append_intent(FaultEntry entry);

    std::filesystem::path path_;
    int fd_ = -1;
    bool read_only_ = false;
    mutable std::mutex mutex_;
    std::vector<FaultEntry> entries_;
    nlohmann::json target_ = nlohmann::json::object();
};

}  // namespace drillhost
