/* Example drill in plain C11, on the raw ABI (no SDK): it logs, measures the host's cancellable
 * sleep, and composes the example file injector and probe through the host, as every drill must.
 * It reads JSON (its params, the probe's result) with the host's JSON-pointer helpers (ABI 1.3),
 * so it needs no JSON library of its own. */
#define _POSIX_C_SOURCE 200809L
#include <drillhost/plugin_api.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Lets the tests build this very file as a plugin of a future ABI, which the host must refuse. */
#ifndef EXAMPLE_ABI_MAJOR
#define EXAMPLE_ABI_MAJOR DH_ABI_VERSION_MAJOR
#endif

struct dh_instance {
    char last_error[256];
};

static dh_instance *hello_create(const dh_host *host) {
    (void)host;
    return calloc(1, sizeof(dh_instance));
}

static void hello_destroy(dh_instance *self) {
    free(self);
}

static const char *hello_last_error(dh_instance *self) {
    return self->last_error;
}

/* Records the host's error text for a failed host call and returns its status. */
static dh_status host_failed(dh_instance *self, const dh_host *host, const char *what, dh_status status) {
    snprintf(self->last_error, sizeof self->last_error, "%s: %s", what, host->last_error(host));
    return status;
}

/* Asks the example probe whether the marker exists: its "exists" operation answers {"exists": bool}. */
static int file_exists(const dh_host *host, const char *probe_params, dh_status *status) {
    char *result = NULL;
    int32_t exists = 0;
    *status =
        host->call_operation(host, "org.drillhost.example.file-exists", "exists", probe_params, &result);
    if (*status == DH_OK) *status = host->json_bool(host, result, "/exists", &exists);
    host->free_string(host, result);
    return exists;
}

static dh_status hello_run(dh_instance *self, const dh_host *host, const char *params_json) {
    dh_status status;
    host->log(host, DH_LOG_INFO, NULL, "hello from a drill written in C");

    /* Params arrive validated, defaults filled in: the schema below gives sleep_ms and dir. */
    double sleep_ms = 0;
    char *dir = NULL;
    if ((status = host->json_number(host, params_json, "/sleep_ms", &sleep_ms)) != DH_OK)
        return host_failed(self, host, "params /sleep_ms", status);
    if ((status = host->json_string(host, params_json, "/dir", &dir)) != DH_OK)
        return host_failed(self, host, "params /dir", status);

    uint64_t before = host->monotonic_ns(host);
    if ((status = host->sleep_ms(host, (uint64_t)sleep_ms)) != DH_OK) {
        host->free_string(host, dir);
        return host_failed(self, host, "sleep", status);
    }
    double slept_ms = (double)(host->monotonic_ns(host) - before) / 1e6;
    host->emit_measurement(host, "sleep_took", slept_ms, "ms");
    char observed[64], bound[64];
    snprintf(observed, sizeof observed, "%.1f ms", slept_ms);
    snprintf(bound, sizeof bound, ">= %.0f ms", sleep_ms);
    host->emit_verdict(host, "host sleep lasts at least what was asked",
                       slept_ms >= sleep_ms ? DH_VERDICT_PASS : DH_VERDICT_FAIL, observed, bound);

    /* The schema allows only letters, digits, / . _ - in dir, so the JSON needs no escaping. */
    char params[512];
    snprintf(params, sizeof params, "{\"path\":\"%s/drillhost-c-hello-%ld.marker\"}", dir, (long)getpid());
    host->free_string(host, dir);
    uint64_t fault = 0;
    if ((status = host->inject_fault(host, "org.drillhost.example.file", params, &fault)) != DH_OK)
        return host_failed(self, host, "inject", status);
    int present = file_exists(host, params, &status);
    if (status != DH_OK) return host_failed(self, host, "probe", status);
    host->emit_verdict(host, "fault applied", present ? DH_VERDICT_PASS : DH_VERDICT_FAIL,
                       present ? "file present" : "file missing", "file present");
    host->record_event(host, "c-hello.fault-observed", "{\"present\":true}");

    if ((status = host->revert_fault(host, fault)) != DH_OK) return host_failed(self, host, "revert", status);
    present = file_exists(host, params, &status);
    if (status != DH_OK) return host_failed(self, host, "probe", status);
    host->emit_verdict(host, "fault reverted", present ? DH_VERDICT_FAIL : DH_VERDICT_PASS,
                       present ? "file present" : "file missing", "file missing");
    return DH_OK;
}

static const dh_descriptor hello_descriptor = {
    sizeof(dh_descriptor),
    DH_KIND_DRILL,
    "org.drillhost.example.c-hello",
    "c-hello",
    "1.0.0",
    "A drill in plain C: host sleep, and a file fault through the host",
    "{\"type\":\"object\",\"properties\":{"
    "\"sleep_ms\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":60000,\"default\":50},"
    "\"dir\":{\"type\":\"string\",\"pattern\":\"^/[A-Za-z0-9/._-]{0,200}$\",\"default\":\"/tmp\"}},"
    "\"additionalProperties\":false}",
    DH_IMPACT_READ_ONLY, /* it touches a temp file, never the cluster */
    NULL,                /* aliases_json (ABI 1.4): it was never renamed */
};

static const dh_component hello_component = {
    sizeof(dh_component),
    &hello_descriptor,
    hello_create,
    hello_destroy,
    hello_last_error,
    hello_run,
    NULL,
    NULL,
    NULL,
    0, /* a drill declares no operations */
    NULL,
    NULL,
};

static const dh_component *const components[] = {&hello_component};

static const dh_plugin plugin = {
    sizeof(dh_plugin), EXAMPLE_ABI_MAJOR, DH_ABI_VERSION_MINOR, "example-c-hello", "1.0.0", 1, components,
};

DH_EXPORT const dh_plugin *drillhost_plugin_entry(void) {
    return &plugin;
}
