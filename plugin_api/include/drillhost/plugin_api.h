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
#define DH_ABI_VERSION_MINOR 4u

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

/* ABI 1.3: what an operation does to the cluster (dh_operation.effect). The host cannot look inside
 * a plugin's own connections, so an effect is a promise the host relies on: it refuses an `act` or a
 * `fault` asked for from inside an `observe` operation (on its thread), journals every `act`, writes
 * a cleanup record to the fault ledger before an `act` that declares an undo, and goes through the
 * ledger for every `fault`. */
typedef int32_t dh_effect;
enum {
    DH_EFFECT_OBSERVE = 1, /* reads only: no table, setting, role, process or file changes */
    DH_EFFECT_ACT = 2,     /* a planned change (switchover), or one that creates something to undo */
    DH_EFFECT_FAULT = 3    /* an injector's fault: ledgered, reverted whatever happens */
};

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

    /* ---- ABI 1.3. Read these only when host->abi_minor >= 3 (a 1.3 plugin is refused by an older
     * host, so for it they are always there). */

    /* Calls `operation` of component `component_id` (a probe's or injector's declared operation, see
     * dh_operation) with `params_json`, validated against the operation's params schema first (its
     * defaults filled in). On DH_OK, *result_json receives the result, owned by the caller (release
     * with free_string). By effect:
     *   observe  called as is;
     *   act      journalled with params and result; when the operation declares an undo, the host
     *            first writes a cleanup record to the fault ledger, and the run's end (or `recover`)
     *            calls the undo unless the drill called it first;
     *   fault    an injector's "inject": exactly inject_fault; the result is {"fault_id": <id>}, to be
     *            given to revert_fault.
     * An undo operation called by the drill closes the cleanup record of the act it undoes: pass that
     * act's record as {"record": <the act's result>} (see docs/abi.md, "Operations"). */
    dh_status (*call_operation)(const dh_host *host, const char *component_id, const char *operation,
                                const char *params_json, char **result_json);

    /* Reads one value of the JSON text `json` at `pointer` (RFC 6901: "" is the whole document,
     * "/members/0/name" a field of an element), for plugins without a JSON library. DH_ERR_NOT_FOUND
     * when nothing is at `pointer`; DH_ERR_INVALID_ARGUMENT when `json` is not JSON, `pointer` is not
     * a JSON pointer, or the value has another type (last_error says which). */
    /* A string value, copied to *value (owned by the caller, release with free_string). */
    dh_status (*json_string)(const dh_host *host, const char *json, const char *pointer, char **value);
    /* A number. */
    dh_status (*json_number)(const dh_host *host, const char *json, const char *pointer, double *value);
    /* A boolean, as 0 or 1. */
    dh_status (*json_bool)(const dh_host *host, const char *json, const char *pointer, int32_t *value);
    /* The number of elements of an array, or of members of an object. */
    dh_status (*json_length)(const dh_host *host, const char *json, const char *pointer, uint64_t *value);
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
    /* ABI 1.4: the ids and short names the component had before, as a JSON array of strings
     * ("[\"org.example.drill.old-id\", \"old-name\"]"), or NULL. A ledger, a script or a --param
     * that names an old one still finds the component. Read only when struct_size covers it. */
    const char *aliases_json;
} dh_descriptor;

/* ---- ABI 1.3: one operation of a probe or an injector. All strings are static. ----
 * A probe (or injector) lists what it can do instead of tunnelling verbs through one params field:
 * each operation has its own params and result schema, so the host validates both and `describe`
 * shows them. An injector's inject/revert need no entry here: the host lists them as its `inject`
 * (effect fault) and its revert. */
typedef struct dh_operation {
    uint32_t struct_size;
    const char *name;          /* unique within the component: "cluster", "switchover" */
    dh_effect effect;          /* DH_EFFECT_OBSERVE or DH_EFFECT_ACT (fault is the injectors' inject) */
    const char *summary;       /* one line */
    const char *params_schema; /* JSON Schema (draft 7) of the params object */
    const char *result_schema; /* JSON Schema of the result; validated in tests and at debug level */
    /* An act that creates something (a table, a started service): the name of the operation of the
     * same component that removes it, else NULL. The undo is called with the params object
     *   {"record": <the act's result>}        the act returned it (always an object), or
     *   {"unconfirmed": <the act's params>}   the process died before the act returned: undo whatever
     *                                         of it may exist, and nothing the act did not make;
     * and must be idempotent, like an injector's revert. Its params schema must accept both. */
    const char *undo;
} dh_operation;

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

    /* ---- ABI 1.3: the host reads these only when struct_size covers them. ---- */
    /* The component's operations (probes and injectors; 0 and NULL for drills and for a probe that
     * has only sample(), which the host then lists as one operation "sample" of effect act). */
    uint32_t operation_count;
    const dh_operation *const *operations;
    /* Runs operation `operation` (one of `operations`) with validated params; *result_json (owned
     * by the instance) receives a JSON document. NULL when operation_count is 0. */
    dh_status (*invoke)(dh_instance *instance, const dh_host *host, const char *operation,
                        const char *params_json, const char **result_json);
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
