// libFuzzer target: a fault ledger's text as `recover` replays it (read_ledger, as FaultLedger::adopt
// and ::inspect do after reading the file), and salvage_ledger, which recover uses to describe a
// malformed ledger. read_ledger may refuse with MalformedLedger; salvage_ledger never throws.
#include <drillhost/core/bounded_json.hpp>
#include <drillhost/core/fault_ledger.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

using namespace drillhost;

namespace {

// What recover prints of an entry must be printable, whatever the ledger held.
void show(const FaultEntry &entry) {
    (void)dump_json(entry.params);
    (void)dump_json(entry.record);
    (void)valid_utf8(entry.injector + entry.plugin_path + entry.drill + entry.last_error);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    std::string text(reinterpret_cast<const char *>(data), size);
    try {
        auto contents = read_ledger(text, "/var/lib/drillhost/ledger/fuzz.jsonl");
        if (!contents.target.is_object()) std::abort();  // the `open` line's target is an object
        for (const auto &entry : contents.entries) {
            if (entry.id == 0 || entry.injector.empty() || !entry.params.is_object()) std::abort();
            show(entry);
        }
    } catch (const MalformedLedger &e) {
        (void)valid_utf8(e.what());
    }
    for (const auto &entry : salvage_ledger(text)) show(entry);
    return 0;
}
