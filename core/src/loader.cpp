#define BOOST_DLL_USE_STD_FS
#include <drillhost/core/errors.hpp>
#include <drillhost/core/loader.hpp>
#include <drillhost/core/param_schema.hpp>

#include <glob.h>

#include <algorithm>
#include <boost/dll/shared_library.hpp>
#include <cstddef>
#include <filesystem>
#include <regex>

namespace drillhost {
namespace {

// Libraries are never unloaded: a plugin's thread-local destructors or late callbacks would run
// into unmapped code. Deliberately leaked.
std::vector<boost::dll::shared_library> &kept_libraries() {
    static auto *libraries = new std::vector<boost::dll::shared_library>();
    return *libraries;
}

std::string abi_text(uint32_t major, uint32_t minor) {
    return std::to_string(major) + "." + std::to_string(minor);
}

[[noreturn]] void refuse(const std::string &path, const std::string &why) {
    throw InfraError(path + ": " + why);
}

// Boost wraps dlerror as "...load() failed (dlerror system message: <path>: <why>): <errno text>";
// the user needs only <why>.
std::string dlerror_text(const std::string &what, const std::string &path) {
    const std::string marker = "dlerror system message: ";
    auto start = what.find(marker);
    if (start == std::string::npos) return what;
    start += marker.size();
    auto end = what.rfind("): ");
    std::string text =
        what.substr(start, end == std::string::npos || end < start ? std::string::npos : end - start);
    if (text.rfind(path + ": ", 0) == 0) text = text.substr(path.size() + 2);
    return text;
}

bool empty_text(const char *text) {
    return text == nullptr || *text == '\0';
}

// Smallest table sizes this host can read: the ABI 1.0 layouts.
constexpr size_t plugin_v1_size = offsetof(dh_plugin, components) + sizeof(void *);
constexpr size_t component_v1_size = offsetof(dh_component, sample) + sizeof(void *);
constexpr size_t descriptor_v1_size = offsetof(dh_descriptor, params_schema) + sizeof(void *);

void check_version(const std::string &path, const dh_plugin *plugin) {
    if (plugin->struct_size < offsetof(dh_plugin, name))
        refuse(path, "entry table is " + std::to_string(plugin->struct_size) +
                         " bytes, too small to hold a version");
    std::string host = abi_text(DH_ABI_VERSION_MAJOR, DH_ABI_VERSION_MINOR);
    std::string theirs = abi_text(plugin->abi_major, plugin->abi_minor);
    if (plugin->abi_major != DH_ABI_VERSION_MAJOR)
        refuse(path, "built for plugin ABI " + theirs + ", this host implements ABI " + host +
                         ": the major versions differ; rebuild the plugin against drillhost's plugin_api " +
                         std::to_string(DH_ABI_VERSION_MAJOR) + ".x");
    if (plugin->abi_minor > DH_ABI_VERSION_MINOR)
        refuse(path, "built for plugin ABI " + theirs + ", newer than this host's ABI " + host +
                         "; upgrade drillhost or rebuild the plugin against ABI " + host);
    if (plugin->struct_size < plugin_v1_size)
        refuse(path, "entry table is " + std::to_string(plugin->struct_size) + " bytes, ABI " + theirs +
                         " needs at least " + std::to_string(plugin_v1_size));
}

Component read_component(const std::string &path, const dh_component *table, uint32_t index) {
    std::string where = "component #" + std::to_string(index);
    if (table == nullptr) refuse(path, where + " is NULL");
    if (table->struct_size < component_v1_size) refuse(path, where + ": component table too small");
    const dh_descriptor *d = table->descriptor;
    if (d == nullptr || d->struct_size < descriptor_v1_size)
        refuse(path, where + ": missing or short descriptor");
    if (empty_text(d->id)) refuse(path, where + ": empty id");
    where = "component '" + std::string(d->id) + "'";

    static const std::regex reverse_dns(R"(^[a-z0-9][a-z0-9-]*(\.[a-z0-9][a-z0-9-]*)+$)");
    if (!std::regex_match(d->id, reverse_dns))
        refuse(path, where + ": id must be reverse-DNS style, lower case, e.g. org.example.my-drill");
    if (empty_text(d->name) || empty_text(d->version) || empty_text(d->summary))
        refuse(path, where + ": name, version and summary must all be set");
    if (d->kind != DH_KIND_DRILL && d->kind != DH_KIND_INJECTOR && d->kind != DH_KIND_PROBE)
        refuse(path, where + ": unknown kind " + std::to_string(d->kind));
    if (!table->create || !table->destroy || !table->last_error)
        refuse(path, where + ": create, destroy and last_error are required");
    bool complete = (d->kind == DH_KIND_DRILL && table->run) ||
                    (d->kind == DH_KIND_INJECTOR && table->inject && table->revert) ||
                    (d->kind == DH_KIND_PROBE && table->sample);
    if (!complete)
        refuse(path, where + ": " + std::string(d->kind == DH_KIND_INJECTOR ? "an " : "a ") +
                         kind_name(d->kind) + " must implement " +
                         (d->kind == DH_KIND_DRILL      ? "run"
                          : d->kind == DH_KIND_INJECTOR ? "inject and revert"
                                                        : "sample"));

    Component component;
    component.id = d->id;
    component.name = d->name;
    component.version = d->version;
    component.summary = d->summary;
    component.kind = d->kind;
    if (d->struct_size >= offsetof(dh_descriptor, impact) + sizeof d->impact)  // ABI 1.2
        component.impact = d->impact >= DH_IMPACT_READ_ONLY && d->impact <= DH_IMPACT_SPLIT_BRAIN
                               ? d->impact
                               : DH_IMPACT_UNKNOWN;
    component.plugin_path = path;
    component.table = table;
    auto schema = nlohmann::json::parse(empty_text(d->params_schema) ? "" : d->params_schema, nullptr, false);
    if (schema.is_discarded()) refuse(path, where + ": its parameter schema is not valid JSON");
    try {
        component.validator = ParamSchema::compile(schema);
    } catch (const std::invalid_argument &e) {
        refuse(path, where + ": its parameter schema is unusable: " + e.what());
    }
    component.schema = std::move(schema);
    return component;
}

std::vector<std::string> expand(const std::string &pattern, std::vector<LoadProblem> &problems) {
    std::error_code ec;
    if (std::filesystem::is_directory(pattern, ec)) {
        std::vector<std::string> files;
        for (const auto &entry : std::filesystem::directory_iterator(pattern, ec))
            if (entry.path().extension() == ".so") files.push_back(entry.path().string());
        std::sort(files.begin(), files.end());
        return files;
    }
    glob_t matches{};
    int rc = ::glob(pattern.c_str(), GLOB_NOSORT, nullptr, &matches);
    std::vector<std::string> files;
    if (rc == 0)
        for (size_t i = 0; i < matches.gl_pathc; ++i) files.emplace_back(matches.gl_pathv[i]);
    globfree(&matches);
    if (files.empty())
        problems.push_back({pattern, pattern + ": no plugin file matches; check the path given to --load"});
    std::sort(files.begin(), files.end());
    return files;
}

}  // namespace

LoadedPlugin load_plugin(const std::string &path) {
    boost::dll::shared_library library;
    try {
        // The throwing overload keeps dlerror's text ("invalid ELF header", "undefined symbol: ...").
        library.load(std::filesystem::path(path),
                     boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
    } catch (const std::exception &e) {
        refuse(path, "cannot load it as a shared library: " + dlerror_text(e.what(), path));
    }
    if (!library.has(DH_ENTRY_SYMBOL))
        refuse(path, std::string("no entry symbol '") + DH_ENTRY_SYMBOL +
                         "': not a drillhost plugin (export it with DH_EXPORT or DRILLHOST_PLUGIN)");
    auto entry = library.get<const dh_plugin *()>(DH_ENTRY_SYMBOL);
    const dh_plugin *plugin = entry();
    if (plugin == nullptr) refuse(path, std::string(DH_ENTRY_SYMBOL) + "() returned NULL");
    check_version(path, plugin);
    if (plugin->component_count == 0 || plugin->components == nullptr) refuse(path, "declares no components");

    LoadedPlugin loaded;
    loaded.path = path;
    loaded.name = empty_text(plugin->name) ? path : plugin->name;
    loaded.version = empty_text(plugin->version) ? "" : plugin->version;
    loaded.abi_major = plugin->abi_major;
    loaded.abi_minor = plugin->abi_minor;
    for (uint32_t i = 0; i < plugin->component_count; ++i)
        loaded.components.push_back(read_component(path, plugin->components[i], i));
    kept_libraries().push_back(std::move(library));
    return loaded;
}

LoadResult load_plugins(const std::vector<std::string> &patterns) {
    LoadResult result;
    for (const auto &pattern : patterns) {
        for (const auto &file : expand(pattern, result.problems)) {
            try {
                // Absolute, so the ledger can name the file to a later `recover` run from elsewhere.
                result.plugins.push_back(
                    load_plugin(std::filesystem::absolute(file).lexically_normal().string()));
            } catch (const InfraError &e) {
                result.problems.push_back({file, e.what()});
            }
        }
    }
    return result;
}

}  // namespace drillhost
