/*
 * drillhost plugin ABI: the only contract between the drillhost host and a plugin (.so).
 *
 * Pure C11. No C++ types, no exceptions, fixed-width integers, opaque handles.
 * Rules that keep it stable (see docs/abi.md):
 *   - every table starts with `struct_size`; fields are only ever appended, never moved or removed;
 *     a reader checks struct_size before touching a field added after ABI 1.0;
 *   - ABI_MAJOR changes only when an existing field changes meaning; the host refuses a plugin
 *     whose major differs from its own, or whose minor is newer than its own;
 *   - strings are NUL-terminated UTF-8; JSON travels as strings.
 *
 * Ownership: a string a plugin returns belongs to the plugin and stays valid until the next call
 * on the same instance, or its destruction. A string the host passes in is valid only during the
 * call. A string the host returns through an out-parameter is owned by the caller, which releases
 * it with dh_host.free_string.
 *
 * Threading: the host never calls one instance from two threads at once. Functions of dh_host may be
 * called from any thread, including threads a drill starts itself, as long as the call ends before
 * the drill's run() returns.
 */
#ifndef DRILLHOST_PLUGIN_API_H
#define DRILLHOST_PLUGIN_API_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DH_ABI_VERSION_MAJOR 1u
#define DH_ABI_VERSION_MINOR 2u

/* The name of the one symbol a plugin exports: `const dh_plugin *drillhost_plugin_entry(void)`. */
#define DH_ENTRY_SYMBOL "drillhost_plugin_entry"

#if defined(__GNUC__)
#define DH_EXPORT __attribute__((visibility("default")))
#else
#define DH_EXPORT
#endif

/* ---- Result codes. Returned by every fallible function; details are in last_error text. ---- */
typedef int32_t dh_status;
enum {
    DH_OK = 0,
    DH_ERR_INVALID_ARGUMENT = 1, /* parameters or a record the callee cannot use */
    DH_ERR_FAILED = 2,           /* the operation was tried and did not work */
    DH_ERR_CANCELLED = 3,        /* the run was cancelled (timeout, SIGINT, SIGTERM) */
    DH_ERR_UNAVAILABLE = 4,      /* the target (host, cluster, service) cannot be reached */
    DH_ERR_NOT_FOUND = 5,        /* no component, fault or object with that name */
    DH_ERR_INTERNAL = 6,         /* a bug: an exception, a broken invariant */
    DH_ERR_SKIPPED = 7           /* drill run(): a precondition did not hold, nothing was judged */
};

typedef int32_t dh_kind;
enum { DH_KIND_DRILL = 1, DH_KIND_INJECTOR = 2, DH_KIND_PROBE = 3 };

typedef int32_t dh_severity;
enum { DH_LOG_DEBUG = 0, DH_LOG_INFO = 1, DH_LOG_WARN = 2, DH_LOG_ERROR = 3 };

/* ABI 1.2: how much a drill disturbs the cluster. `drillhost run --all` runs the least disruptive
 * first, so a cheap check fails fast before a drill that takes the primary away. */
typedef int32_t dh_impact;
enum {
    DH_IMPACT_UNKNOWN = 0,      /* not declared (ABI 1.0/1.1 plugins): run last */
    DH_IMPACT_READ_ONLY = 1,    /* only looks */
    DH_IMPACT_REPLICA = 2,      /* restarts or stops a replica; the leader keeps serving */
    DH_IMPACT_PLANNED = 3,      /* moves the leader on purpose: switchover, manual failover */
    DH_IMPACT_PRIMARY_LOST = 4, /* takes the primary away: automatic failover */
    DH_IMPACT_SPLIT_BRAIN = 5   /* may leave two primaries (freezes, partitions) */
};

typedef int32_t dh_verdict;
enum { DH_VERDICT_PASS = 0, DH_VERDICT_FAIL = 1, DH_VERDICT_SKIP = 2 };

/* Flags of dh_component.revert. */
enum {
    /* There is no usable record: the process that injected died between writing the ledger and
     * the injector's return, or inject returned a record that is not a JSON object. `record_json`
     * holds the inject parameters instead, and the fault may or may not have been applied. revert
     * must then undo whatever of it may exist, and nothing that the injector did not make. */
    DH_REVERT_UNCONFIRMED = 1u << 0
};

typedef struct dh_host dh_host;
typedef struct dh_instance dh_instance; /* a plugin's own per-instance state, opaque to the host */

/* ---- The host table, given to every plugin call. ----
 * Every function takes the table itself as first argument (it carries the host's context).
 * All are thread-safe. Functions returning dh_status set the text read by last_error. */
struct dh_host {
    uint32_t struct_size; /* sizeof(dh_host) of the host that built it */
    uint32_t abi_major;
    uint32_t abi_minor;
    void *host_data; /* the host's private context; plugins must not touch it */

    /* Writes one log line attributed to `component` (a component id; NULL attributes it to the
     * drill being run, or to "drillhost" outside a drill). The C++ SDK passes the caller's id. */
    void (*log)(const dh_host *host, dh_severity severity, const char *component, const char *message);

    /* Monotonic clock in nanoseconds, the same clock the journal's `mono_ms` comes from. */
    uint64_t (*monotonic_ns)(const dh_host *host);

    /* Non-zero once the run must stop (timeout, SIGINT, SIGTERM). A drill checks it between steps
     * and returns DH_ERR_CANCELLED; the host reverts the faults either way. */
    int32_t (*is_cancelled)(const dh_host *host);

    /* Sleeps up to `ms`, waking early on cancellation: returns DH_OK, or DH_ERR_CANCELLED. */
    dh_status (*sleep_ms)(const dh_host *host, uint64_t ms);

    /* Adds an event to the run's journal. `details_json` is a JSON object, or NULL. */
    dh_status (*record_event)(const dh_host *host, const char *name, const char *details_json);

    /* Calls probe `probe_id` with `params_json` (validated against its schema first).
     * On DH_OK, *result_json receives a JSON document the caller owns (release with free_string). */
    dh_status (*call_probe)(const dh_host *host, const char *probe_id, const char *params_json,
                            char **result_json);

    /* Injects a fault through injector `injector_id`: the host writes the intent to its fault
     * ledger (fsynced) before the injector runs. On DH_OK, *fault_id identifies the fault for
     * revert_fault. Whatever the drill does, the host reverts every fault still open when the
     * drill ends. Refused with DH_ERR_CANCELLED once the run is cancelled. */
    dh_status (*inject_fault)(const dh_host *host, const char *injector_id, const char *params_json,
                              uint64_t *fault_id);

    /* Reverts one fault now (retried with backoff); the ledger marks it reverted on success. */
    dh_status (*revert_fault)(const dh_host *host, uint64_t fault_id);

    /* Records a measurement, e.g. ("rto", 10412.0, "ms"). */
    dh_status (*emit_measurement)(const dh_host *host, const char *name, double value, const char *unit);

    /* Records an assertion verdict with what was observed and the bound it was held to
     * (both free text, e.g. "10412 ms" and "<= 13000 ms (ttl + loop_wait + 2 s)"). */
    dh_status (*emit_verdict)(const dh_host *host, const char *name, dh_verdict verdict, const char *observed,
                              const char *bound);

    /* The target under test as a JSON object: the `--target` file, or {} when none was given.
     * The string is owned by the host and valid for the whole call into the plugin. */
    const char *(*target_json)(const dh_host *host);

    /* Text of the last failed host call made from the calling thread. Valid until that thread's
     * next host call. Never NULL. */
    const char *(*last_error)(const dh_host *host);

    /* Releases a string the host handed over through an out-parameter. NULL is a no-op. */
    void (*free_string)(const dh_host *host, char *string);

    /* ---- ABI 1.1. A plugin built for 1.0 never reads past this line; one built for 1.1 runs only
     * on a 1.1 host (the loader refuses a newer minor), so these fields are always there for it. */

    /* Asks the host for one of its capabilities by name, with a JSON object as request. On DH_OK,
     * *result_json receives a JSON document the caller owns (release with free_string).
     *   "exec"    {"host": "pg-1" or "transport": {...}, "argv": [...], "timeout_ms": 30000}
     *             -> {"exit_code", "signal", "timed_out", "stdout", "stderr", "transport"}
     *             Runs a command on a host of the target (see docs/transports.md); the transport
     *             returned can be kept in a fault record to reach the same host from `recover`.
     *   "service" {"host": "pg-1" or "backend": {...}, "service": "patroni" | "postgres" | "etcd",
     *              "action": "stop" | "start" | "kill" | "restart" | "freeze" | "thaw" | "status",
     *              "signal": "SIGKILL"}
     *             -> {"running", "pid", "backend"}
     *   "context" {} -> {"run_id", "drill"}: e.g. to tag what an injector makes with the run. */
    dh_status (*call)(const dh_host *host, const char *capability, const char *request_json,
                      char **result_json);
};

/* ---- What the host reads without running anything. All strings are static. ---- */
typedef struct dh_descriptor {
    uint32_t struct_size;
    dh_kind kind;
    const char *id;            /* reverse-DNS, unique across plugins: "org.drillhost.probe.sql" */
    const char *name;          /* short human name: "sql" */
    const char *version;       /* the component's semantic version: "1.2.0" */
    const char *summary;       /* one line */
    const char *params_schema; /* JSON Schema (draft 7) of the params object */
    dh_impact impact;          /* ABI 1.2, drills only: DH_IMPACT_*; the host reads it only when
                                  struct_size covers it, else takes DH_IMPACT_UNKNOWN */
} dh_descriptor;

/* ---- One component. Kind-specific functions are NULL for other kinds. ----
 * Every call gets the host table. `instance` comes from create(). */
typedef struct dh_component {
    uint32_t struct_size;
    const dh_descriptor *descriptor;

    /* Makes an instance. May return an instance in an error state (last_error says why, and the
     * host destroys it); NULL only when memory ran out. Called from any host thread (a drill's
     * instance on the drill's thread, probes and injectors on the thread of the call that needs
     * them); one call at a time per component. */
    dh_instance *(*create)(const dh_host *host);
    /* Frees an instance and everything it returned. Called once, possibly from another thread
     * than the one that created it, never while another call on the instance runs. */
    void (*destroy)(dh_instance *instance);
    /* Text for the last failed call on `instance`, "" if none. Owned by the instance. */
    const char *(*last_error)(dh_instance *instance);

    /* Drills: runs the drill with its validated params. Returns DH_OK when the drill ran to the end
     * (its verdicts say pass or fail), DH_ERR_SKIPPED when a precondition did not hold,
     * DH_ERR_CANCELLED when it stopped because is_cancelled() said so, else an error. */
    dh_status (*run)(dh_instance *instance, const dh_host *host, const char *params_json);

    /* Injectors: applies a fault; *record_json (owned by the instance) receives a JSON object that
     * is enough to revert it later, from another process after a crash. */
    dh_status (*inject)(dh_instance *instance, const dh_host *host, const char *params_json,
                        const char **record_json);
    /* Injectors: undoes a fault. Must be idempotent: reverting twice, or reverting a fault that was
     * never applied (flag DH_REVERT_UNCONFIRMED), succeeds and changes nothing more. */
    dh_status (*revert)(dh_instance *instance, const dh_host *host, const char *record_json, uint32_t flags);

    /* Probes: one observation; *result_json (owned by the instance) receives a JSON document. */
    dh_status (*sample)(dh_instance *instance, const dh_host *host, const char *params_json,
                        const char **result_json);
} dh_component;

/* ---- The table the entry symbol returns. Static data: reading it must have no side effects. ---- */
typedef struct dh_plugin {
    uint32_t struct_size;
    uint32_t abi_major;  /* DH_ABI_VERSION_MAJOR the plugin was built with */
    uint32_t abi_minor;  /* DH_ABI_VERSION_MINOR the plugin was built with */
    const char *name;    /* the plugin (file-level) name */
    const char *version; /* the plugin's version */
    uint32_t component_count;
    const dh_component *const *components;
} dh_plugin;

/* The entry point's type. Called once per load, from the host's main thread. */
typedef const dh_plugin *(*dh_entry_fn)(void);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* DRILLHOST_PLUGIN_API_H */
