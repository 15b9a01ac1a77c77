// libFuzzer target: the loader's checks of a plugin's entry table (check_plugin_table), on synthetic
// tables built from the input, as a hostile or broken plugin could hand them over: any struct_size,
// NULL tables, descriptors and strings, ids of any bytes and length, unknown kinds and impacts,
// missing functions, any parameter schema text, with and without a component filter.
//
// Each table is allocated with exactly the bytes its struct_size claims (at least its struct_size
// field, at most the full struct), so AddressSanitizer reports any read past what the plugin declared.
//
// Input: a header, then NUL-separated strings.
//   byte 0  entry table size (index into plugin_sizes); 0xff: the entry point returns NULL
//   byte 1  ABI: major = majors[b % 3], minor = minors[(b / 3) % 4]
//   byte 2  component count = b % 5; bit 7: the components array is NULL
//   byte 3  bit 0: filter; bits 1-3: kinds the filter wants (drill, injector, probe)
//   4 bytes per component:
//     c0  component table size (index into component_sizes); 0xff: the table is NULL
//     c1  descriptor size (index into descriptor_sizes); 0xff: no descriptor
//     c2  kind = b % 5 (0 and 4 are not kinds); c2 / 5: impact - 2
//     c3  function bits: create, destroy, last_error, run, inject, revert, sample; bit 7: the
//         component declares two operations (ABI 1.3), of effects c2 / 25 % 4 and (c2 / 25 + 1) % 4,
//         with tables of full size when (c1 / 8) % 2, else only a struct_size
//   strings: plugin name, plugin version, then per component id, name, version, summary, schema,
//   and with operations, per operation name, summary, params schema, result schema, undo.
//   A string the input does not reach is NULL.
#include <drillhost/core/errors.hpp>
#include <drillhost/core/loader.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <string>
#include <vector>

using namespace drillhost;

namespace {

constexpr size_t plugin_sizes[] = {0,
                                   sizeof(uint32_t),
                                   offsetof(dh_plugin, name) - 1,
                                   offsetof(dh_plugin, name),
                                   offsetof(dh_plugin, components),
                                   sizeof(dh_plugin),
                                   sizeof(dh_plugin) + 64};
constexpr size_t component_sizes[] = {0,
                                      sizeof(uint32_t),
                                      offsetof(dh_component, create),
                                      offsetof(dh_component, sample),
                                      offsetof(dh_component, sample) + sizeof(void *),
                                      sizeof(dh_component),
                                      sizeof(dh_component) + 64,
                                      offsetof(dh_component, operations),
                                      offsetof(dh_component, invoke)};
constexpr size_t descriptor_sizes[] = {0,
                                       sizeof(uint32_t),
                                       offsetof(dh_descriptor, id),
                                       offsetof(dh_descriptor, params_schema),
                                       offsetof(dh_descriptor, params_schema) + sizeof(void *),
                                       offsetof(dh_descriptor, impact),
                                       offsetof(dh_descriptor, impact) + sizeof(dh_impact),
                                       offsetof(dh_descriptor, aliases_json),
                                       sizeof(dh_descriptor) + 64};
constexpr uint32_t majors[] = {DH_ABI_VERSION_MAJOR, DH_ABI_VERSION_MAJOR + 1, 0};
constexpr uint32_t minors[] = {DH_ABI_VERSION_MINOR, 0, 1, DH_ABI_VERSION_MINOR + 1};

// Functions the loader only checks for presence; never called.
dh_instance *fake_create(const dh_host *) {
    return nullptr;
}
void fake_destroy(dh_instance *) {}
const char *fake_last_error(dh_instance *) {
    return "";
}
dh_status fake_run(dh_instance *, const dh_host *, const char *) {
    return DH_OK;
}
dh_status fake_inject(dh_instance *, const dh_host *, const char *, const char **) {
    return DH_OK;
}
dh_status fake_revert(dh_instance *, const dh_host *, const char *, uint32_t) {
    return DH_OK;
}
dh_status fake_sample(dh_instance *, const dh_host *, const char *, const char **) {
    return DH_OK;
}
dh_status fake_invoke(dh_instance *, const dh_host *, const char *, const char *, const char **) {
    return DH_OK;
}

// Owns every block of one input's synthetic plugin.
class Arena {
  public:
    // A copy of `full` cut to the `declared` size (at least its struct_size field), with struct_size
    // set to `declared`.
    template <class Table>
    const Table *table(Table full, size_t declared) {
        full.struct_size = static_cast<uint32_t>(declared);
        size_t bytes = std::max(sizeof full.struct_size, std::min(declared, sizeof full));
        auto &block = blocks_.emplace_back(new char[bytes]);
        std::memcpy(block.get(), &full, bytes);
        return reinterpret_cast<const Table *>(block.get());
    }
    const dh_operation **operation_pointers(size_t count) {
        auto &block = blocks_.emplace_back(new char[std::max<size_t>(1, count) * sizeof(void *)]);
        return reinterpret_cast<const dh_operation **>(block.get());
    }
    const dh_component **pointers(size_t count) {
        auto &block = blocks_.emplace_back(new char[std::max<size_t>(1, count) * sizeof(void *)]);
        return reinterpret_cast<const dh_component **>(block.get());
    }

  private:
    std::vector<std::unique_ptr<char[]>> blocks_;
};

// Reads the header bytes and NUL-separated strings (NULL once the input is used up).
class Input {
  public:
    Input(const uint8_t *data, size_t size) : data_(data), size_(size) {}
    uint8_t byte() { return at_ < size_ ? data_[at_++] : 0; }
    const char *text() {
        if (at_ >= size_) return nullptr;
        const char *start = reinterpret_cast<const char *>(data_ + at_);
        const void *nul = std::memchr(start, '\0', size_ - at_);
        size_t length = nul ? static_cast<size_t>(static_cast<const char *>(nul) - start) : size_ - at_;
        at_ += length + 1;
        return strings_.emplace_back(start, length).c_str();
    }

  private:
    const uint8_t *data_;
    size_t size_;
    size_t at_ = 0;
    std::deque<std::string> strings_;  // a deque: c_str() of earlier strings stays valid
};

template <size_t N>
size_t pick(const size_t (&sizes)[N], uint8_t b) {
    return sizes[b % N];
}

struct ComponentBytes {
    uint8_t table, descriptor, kind, functions;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    Input in(data, size);
    Arena arena;
    uint8_t plugin_size = in.byte(), abi = in.byte(), count_byte = in.byte(), filter = in.byte();
    uint32_t count = count_byte % 5;
    ComponentBytes bytes[4]{};
    for (uint32_t i = 0; i < count; ++i) bytes[i] = {in.byte(), in.byte(), in.byte(), in.byte()};

    dh_plugin plugin{};
    plugin.abi_major = majors[abi % 3];
    plugin.abi_minor = minors[(abi / 3) % 4];
    plugin.name = in.text();
    plugin.version = in.text();
    plugin.component_count = count;
    const dh_component **components = arena.pointers(count);
    for (uint32_t i = 0; i < count; ++i) {
        dh_descriptor descriptor{};
        descriptor.kind = bytes[i].kind % 5;
        descriptor.impact = static_cast<dh_impact>(bytes[i].kind / 5) - 2;
        descriptor.id = in.text();
        descriptor.name = in.text();
        descriptor.version = in.text();
        descriptor.summary = in.text();
        descriptor.params_schema = in.text();
        descriptor.aliases_json = in.text();  // ABI 1.4: read only when the size covers it
        dh_component component{};
        component.descriptor = bytes[i].descriptor == 0xff
                                   ? nullptr
                                   : arena.table(descriptor, pick(descriptor_sizes, bytes[i].descriptor));
        uint8_t f = bytes[i].functions;
        component.create = f & 1 ? fake_create : nullptr;
        component.destroy = f & 2 ? fake_destroy : nullptr;
        component.last_error = f & 4 ? fake_last_error : nullptr;
        component.run = f & 8 ? fake_run : nullptr;
        component.inject = f & 16 ? fake_inject : nullptr;
        component.revert = f & 32 ? fake_revert : nullptr;
        component.sample = f & 64 ? fake_sample : nullptr;
        if (f & 128) {  // ABI 1.3: two declared operations, any text in them
            auto **operations = arena.operation_pointers(2);
            for (int o = 0; o < 2; ++o) {
                dh_operation op{};
                op.name = in.text();
                op.effect = static_cast<dh_effect>((bytes[i].kind / 25 + o) % 4);
                op.summary = in.text();
                op.params_schema = in.text();
                op.result_schema = in.text();
                op.undo = in.text();
                operations[o] =
                    arena.table(op, bytes[i].descriptor % 2 ? sizeof(dh_operation) : sizeof(uint32_t));
            }
            component.operation_count = 2;
            component.operations = operations;
            component.invoke = fake_invoke;
        }
        components[i] =
            bytes[i].table == 0xff ? nullptr : arena.table(component, pick(component_sizes, bytes[i].table));
    }
    plugin.components = count_byte & 0x80 ? nullptr : components;
    const dh_plugin *table =
        plugin_size == 0xff ? nullptr : arena.table(plugin, pick(plugin_sizes, plugin_size));

    ComponentFilter wanted;
    if (filter & 1)
        wanted = [filter](std::string_view, dh_kind kind) {
            return kind >= DH_KIND_DRILL && kind <= DH_KIND_PROBE && (filter >> kind) & 1;
        };
    try {
        LoadedPlugin loaded = check_plugin_table("/fuzz/plugin.so", table, wanted);
        // What the loader accepted is what the rest of the host relies on.
        for (const auto &c : loaded.components)
            if (c.id.empty() || c.id.size() > max_component_id_bytes || !c.validator || c.table == nullptr ||
                !c.schema.is_object())
                std::abort();
        for (const auto &c : loaded.components)
            for (const auto &op : c.operations)
                if (op.name.empty() || !op.params || !op.result ||
                    (!op.undo.empty() && (op.effect != DH_EFFECT_ACT || !c.operation(op.undo))))
                    std::abort();
    } catch (const InfraError &) {
    }
    return 0;
}
