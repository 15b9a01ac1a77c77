// The fault ledger: an append-only, fsynced JSON-lines file per run that says which faults are
// applied and not yet reverted. It is written BEFORE each injection, so after a crash (even
// kill -9) `drillhost recover` knows exactly what to undo. See docs/ledger.md.
#pragma once

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
    std::string injector;     // component id
    std::string plugin_path;  // where the injector came from, to name it in errors
    std::string drill;        // the drill that injected it
    nlohmann::json params;
    nlohmann::json record;  // the injector's record once applied
    State state = State::intent;
    std::string last_error;  // the last failed revert, if any

    // Applied, or possibly applied (the process died before the injector returned).
    bool open() const { return state == State::intent || state == State::applied; }
};

// Replays ledger lines into entries, in injection order. A torn last line (a crash mid-write) is
// ignored; any other malformed line throws InfraError with its line number.
std::vector<FaultEntry> replay_ledger(const std::string &text, const std::string &origin);

class FaultLedger {
  public:
    // Creates `<dir>/<run_id>.jsonl` and locks it for this process's lifetime. The run's target is
    // written in the first line, so `recover` reaches the same hosts from another process.
    static FaultLedger create(const std::filesystem::path &dir, const std::string &run_id,
                              const nlohmann::json &target = nlohmann::json::object());

    // Opens a ledger whose process is gone (its lock is free); nullopt while that process runs.
    static std::optional<FaultLedger> adopt(const std::filesystem::path &file);

    // Ledger files in `dir` not yet closed.
    static std::vector<std::filesystem::path> pending(const std::filesystem::path &dir);

    FaultLedger(FaultLedger &&other) noexcept;
    FaultLedger &operator=(FaultLedger &&) = delete;
    ~FaultLedger();

    const std::filesystem::path &path() const { return path_; }
    const nlohmann::json &target() const { return target_; }  // the run's target ({} if none)

    // Each call appends one line and fsyncs before returning. Thread-safe.
    uint64_t record_intent(const std::string &injector, const std::string &plugin_path,
                           const std::string &drill, const nlohmann::json &params);
    void record_applied(uint64_t id, const nlohmann::json &record);
    void record_failed(uint64_t id, const std::string &error);  // the injector refused: not open
    void record_reverted(uint64_t id);
    void record_revert_failed(uint64_t id, const std::string &error);  // stays open

    std::optional<FaultEntry> entry(uint64_t id) const;
    // Faults still open, newest first (the order to revert them in).
    std::vector<FaultEntry> open_faults(const std::string &drill = {}) const;

    // With nothing open, marks the ledger closed and moves it to `<dir>/closed/`. Returns whether it did.
    bool close_if_clean();

  private:
    FaultLedger(std::filesystem::path path, int fd, std::vector<FaultEntry> entries);
    void append(const nlohmann::json &line);
    // Ends a ledger whose last line a crash cut short, so appends start on a fresh line.
    void repair_torn_tail(const std::string &text);
    FaultEntry &find_locked(uint64_t id);

    std::filesystem::path path_;
    int fd_ = -1;
    mutable std::mutex mutex_;
    std::vector<FaultEntry> entries_;
    nlohmann::json target_ = nlohmann::json::object();
};

}  // namespace drillhost
