// A stand-in for /dev/watchdog for the embedded cluster's Patroni members, which run Patroni's `testing`
// watchdog driver (patroni/watchdog/linux.py, TestingWatchdogDevice) against a FIFO:
//   watchdog: {mode: required, driver: testing, device: <fifo>}
// Patroni opens the FIFO with a plain blocking os.open(O_WRONLY) and writes "Ctimeout=<N>\n" when it
// activates the watchdog or its timeout changes, "1" per keepalive, and "V" right before a clean close
// (magic close). Like the kernel's watchdog, the monitor fires when it is armed (a timeout was set and no
// magic close followed) and nothing was written for longer than the timeout: it SIGKILLs the member's
// Patroni, its postmaster and the postmaster's children, as a node reset would.
//
// The monitor must be running (the FIFO open for reading) before Patroni activates its watchdog and
// until Patroni is gone: Patroni's blocking open waits for a reader, hanging its HA loop, and its
// writes fail with EPIPE once there is none.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <functional>
#include <string>

namespace drillhost::sandbox {

struct WatchdogMonitorOptions {
    std::filesystem::path fifo;              // created by the monitor (mkfifo 0660) if missing
    std::filesystem::path patroni_pid_file;  // text file holding Patroni's pid
    std::filesystem::path
        data_dir;  // PostgreSQL data dir: postmaster pid = first line of data_dir/postmaster.pid
    std::filesystem::path events_file;  // JSON lines appended, one per event, fsync not needed
    std::string member;                 // member name, written into events
    uid_t fifo_owner = 0;
    gid_t fifo_group = 0;               // chown the FIFO to these (postgres) when non-zero
    std::function<bool()> should_stop;  // polled at least every 100 ms; true -> return
};

// Runs until should_stop() returns true (forever when it is empty). Reopens the FIFO for reading after
// every EOF (Patroni restarts reopen it). Events, one JSON object per line, each with "wall" (UTC, ms),
// "member" and "event":
//   "armed"     {timeout_s}            a "Ctimeout=" write (activation or ttl change)
//   "disarmed"                         magic close: "V" was the last byte before the writer closed
//   "closed"    {timeout_s}            the writer closed without "V" while armed; still armed
//   "fired"     {timeout_s, silent_ms, killed: [{what, pid, result}, ...]}; disarmed afterwards
//   "bad_command" {text}               a "C..." line that is not "Ctimeout=<positive number>"
// result is "killed", "gone" (no such process, or a zombie), "no pid" (pid file missing or unreadable)
// or "error: <reason>"; the postmaster's entry also has "children_killed".
// Throws InfraError when the FIFO cannot be made or opened, or the events file cannot be opened.
void run_watchdog_monitor(const WatchdogMonitorOptions &options);

}  // namespace drillhost::sandbox
