/* One of the 50 benchmark plugins: a drill with a small schema, id set at compile time. */
#include <drillhost/plugin_api.h>
#include <stddef.h>

static dh_instance *bench_create(const dh_host *host) {
    (void)host;
    return NULL;
}
static void bench_destroy(dh_instance *self) {
    (void)self;
}
static const char *bench_last_error(dh_instance *self) {
    (void)self;
    return "";
}
static dh_status bench_run(dh_instance *self, const dh_host *host, const char *params) {
    (void)self;
    (void)host;
    (void)params;
    return DH_OK;
}

static const dh_descriptor descriptor = {
    sizeof(dh_descriptor),
    DH_KIND_DRILL,
    BENCH_ID,
    "bench",
    "1.0.0",
    "benchmark plugin",
    "{\"type\":\"object\",\"properties\":{\"member\":{\"type\":\"string\"},\"hold_ms\":{\"type\":\"integer\","
    "\"minimum\":0,\"default\":1000}},\"additionalProperties\":false}",
    DH_IMPACT_READ_ONLY,
    NULL};
static const dh_component component = {sizeof(dh_component),
                                       &descriptor,
                                       bench_create,
                                       bench_destroy,
                                       bench_last_error,
                                       bench_run,
                                       NULL,
                                       NULL,
                                       NULL,
                                       0,
                                       NULL,
                                       NULL};
static const dh_component *const components[] = {&component};
static const dh_plugin plugin = {
    sizeof(dh_plugin), DH_ABI_VERSION_MAJOR, DH_ABI_VERSION_MINOR, "bench", "1.0.0", 1, components};

DH_EXPORT const dh_plugin *drillhost_plugin_entry(void) {
    return &plugin;
}
