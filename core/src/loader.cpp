#define BOOST_DLL_USE_STD_FS
#include <drillhost/core/bounded_json.hpp>
#include <drillhost/core/errors.hpp>
#include <drillhost/core/file_trust.hpp>
#include <drillhost/core/loader.hpp>
#include <drillhost/core/param_schema.hpp>

#include "declared_schema.hpp"
#include "operation_table.hpp"

#include <elf.h>
#include <fcntl.h>
#include <glob.h>
#include <unistd.h>

#include <algorithm>
#include <boost/dll/shared_library.hpp>
#include <cstddef>
#include <cstring>
#include <filesystem>
#include <optional>

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

// ---- The file, before dlopen: trusted (file_trust.hpp), and an ELF object for this machine ----

// UntrustedPath's text starts "<role> <path>: "; the problem already names the file.
std::string without_prefix(const std::string &text, const std::string &prefix) {
    return text.rfind(prefix, 0) == 0 ? text.substr(prefix.size()) : text;
}

// The file and its (real) directory pass the trust checks; returns the open file.
int open_plugin_file(const std::string &path) {
    namespace fs = std::filesystem;
    try {
        // The directory holding the file, resolved: a symlinked directory is fine when the real one
        // is trusted. The file itself must not be a symlink (open_trusted_file: O_NOFOLLOW).
        fs::path parent = fs::path(path).parent_path();
        std::error_code ec;
        fs::path real = fs::canonical(parent.empty() ? fs::path(".") : parent, ec);
        check_trusted_directory(ec ? parent : real, "plugin directory");
        return open_trusted_file(path, O_RDONLY, "plugin");
    } catch (const UsageError &e) {
        refuse(path, without_prefix(e.what(), "plugin " + path + ": "));
    }
}

std::string machine_name(unsigned machine) {
    switch (machine) {
        case EM_386:
            return "i386";
        case EM_X86_64:
            return "x86_64";
        case EM_ARM:
            return "arm";
        case EM_AARCH64:
            return "aarch64";
        case EM_PPC:
            return "ppc";
        case EM_PPC64:
            return "ppc64";
        case EM_S390:
            return "s390x";
        case EM_MIPS:
            return "mips";
        case EM_RISCV:
            return "riscv";
        case EM_SPARCV9:
            return "sparc64";
#ifdef EM_LOONGARCH
        case EM_LOONGARCH:
            return "loongarch";
#endif
        default:
            return "an unknown machine";
    }
}

#if defined(__x86_64__)
constexpr unsigned host_machine = EM_X86_64;
#elif defined(__i386__)
constexpr unsigned host_machine = EM_386;
#elif defined(__aarch64__)
constexpr unsigned host_machine = EM_AARCH64;
#elif defined(__arm__)
constexpr unsigned host_machine = EM_ARM;
#elif defined(__powerpc64__)
constexpr unsigned host_machine = EM_PPC64;
#elif defined(__s390x__)
constexpr unsigned host_machine = EM_S390;
#elif defined(__riscv)
constexpr unsigned host_machine = EM_RISCV;
#else
#error "add this machine's ELF e_machine to loader.cpp"
#endif
constexpr unsigned char host_class = sizeof(void *) == 8 ? ELFCLASS64 : ELFCLASS32;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
constexpr unsigned char host_data = ELFDATA2LSB;
#else
constexpr unsigned char host_data = ELFDATA2MSB;
#endif

// dlopen reports a plugin for another machine as "No such file or directory" (or "wrong ELF class");
// the ELF header says what it is. e_ident and e_machine sit at the same offsets in 32- and 64-bit
// headers, so one read of the larger header covers both.
void check_elf_header(const std::string &path, int fd) {
    Elf64_Ehdr header{};
    ssize_t got = 0;
    size_t done = 0;
    for (; done < sizeof header; done += static_cast<size_t>(got)) {
        got = ::pread(fd, reinterpret_cast<char *>(&header) + done, sizeof header - done,
                      static_cast<off_t>(done));
        if (got < 0 && errno == EINTR) {
            got = 0;
            continue;
        }
        if (got < 0) refuse(path, std::string("cannot read it: ") + std::strerror(errno));
        if (got == 0) break;
        if (done + static_cast<size_t>(got) >= SELFMAG && std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0)
            break;
    }
    if (std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0)
        refuse(path,
               "cannot load it as a shared library: invalid ELF header (it is not an ELF file; a plugin is "
               "a .so built with drillhost_add_plugin or DRILLHOST_PLUGIN)");
    if (done < sizeof header)
        refuse(path, "cannot load it as a shared library: it is " + std::to_string(done) +
                         " bytes, too short for an ELF header (a truncated or unfinished build?)");
    unsigned char data = header.e_ident[EI_DATA];
    unsigned machine = header.e_machine;
    if (data != host_data) machine = ((machine & 0xffu) << 8) | (machine >> 8);
    std::string host = machine_name(host_machine);
    if (machine != host_machine)
        refuse(path, "built for " + machine_name(machine) + " (ELF machine " + std::to_string(machine) +
                         "), this host is " + host + "; rebuild the plugin for " + host);
    if (header.e_ident[EI_CLASS] != host_class)
        refuse(path, std::string("built as a ") +
                         (header.e_ident[EI_CLASS] == ELFCLASS32 ? "32-bit" : "64-bit") +
                         " ELF object, this host is " + (host_class == ELFCLASS64 ? "64-bit " : "32-bit ") +
                         host + "; rebuild the plugin for it");
    if (data != host_data)
        refuse(path, std::string("built ") + (data == ELFDATA2MSB ? "big-endian" : "little-endian") +
                         ", this host is " + (host_data == ELFDATA2MSB ? "big-endian " : "little-endian ") +
                         host + "; rebuild the plugin for it");
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

// Reverse-DNS, lower case: labels of [a-z0-9-] starting with [a-z0-9], at least two of them. By hand
// (std::regex recursed per character and overflowed the stack on a 50 kB id).
bool reverse_dns(std::string_view id) {
    size_t labels = 0;
    size_t start = 0;
    for (;;) {
        size_t end = id.find('.', start);
        std::string_view label =
            id.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
        if (label.empty()) return false;
        auto lower_alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
        if (!lower_alnum(label[0])) return false;
        for (char c : label)
            if (!lower_alnum(c) && c != '-') return false;
        ++labels;
        if (end == std::string_view::npos) break;
        start = end + 1;
    }
    return labels >= 2;
}

// Longest id text the loader scans for its terminator, to say how long an over-long id is.
constexpr size_t id_scan_limit = 1 << 20;

// The component's id, read with a bound, and only as far as it takes to find it: a NULL or short
// table, a missing descriptor, an empty or over-long id refuse the plugin (`strict`) or make the
// component one nobody can want (nullopt).
std::optional<std::string> component_id(const std::string &path, const dh_component *table, uint32_t index,
                                        bool strict) {
    std::string where = "component #" + std::to_string(index);
    auto fail = [&](const std::string &why) -> std::optional<std::string> {
        if (strict) refuse(path, where + why);
        return std::nullopt;
    };
    if (table == nullptr) return fail(" is NULL");
    if (table->struct_size < component_v1_size) return fail(": component table too small");
    const dh_descriptor *d = table->descriptor;
    if (d == nullptr || d->struct_size < descriptor_v1_size) return fail(": missing or short descriptor");
    if (empty_text(d->id)) return fail(": empty id");
    size_t length = ::strnlen(d->id, id_scan_limit);
    if (length > max_component_id_bytes)
        return fail(
            ": its id is " +
            (length == id_scan_limit ? "over " + std::to_string(id_scan_limit) : std::to_string(length)) +
            " bytes, at most " + std::to_string(max_component_id_bytes) +
            "; give it a short reverse-DNS id, e.g. org.example.my-drill");
    return std::string(d->id, length);
}

// ABI 1.4: a JSON array of the component's former ids and short names. Each is what a person types
// on a command line or a ledger records: lower-case letters, digits, '.', '-', '_' and '/', at most
// an id's length, none twice, none its own id or name. Throws std::invalid_argument saying why not.
std::vector<std::string> read_aliases(const char *text, const std::string &id, const std::string &name) {
    size_t length = ::strnlen(text, 1 << 16);
    auto parsed = try_parse_bounded_json(std::string_view(text, length));
    if (!parsed || !parsed->is_array())
        throw std::invalid_argument("its aliases are not a JSON array of strings");
    std::vector<std::string> aliases;
    for (const auto &alias : *parsed) {
        if (!alias.is_string()) throw std::invalid_argument("its aliases are not a JSON array of strings");
        const std::string &a = alias.get_ref<const std::string &>();
        bool plain = !a.empty() && a.size() <= max_component_id_bytes &&
                     a.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789.-_/") == std::string::npos;
        if (!plain)
            throw std::invalid_argument("alias \"" + valid_utf8(a.substr(0, 80)) + "\" must be 1 to " +
                                        std::to_string(max_component_id_bytes) + " of a-z 0-9 . - _ /");
        if (a == id || a == name || std::find(aliases.begin(), aliases.end(), a) != aliases.end())
            throw std::invalid_argument("alias \"" + a + "\" is its own id or name, or given twice");
        aliases.push_back(a);
    }
    return aliases;
}

Component read_component(const std::string &path, const dh_component *table, const std::string &id) {
    const dh_descriptor *d = table->descriptor;
    // Until it passes the reverse-DNS check the id may hold any bytes: printed as valid UTF-8.
    std::string where = "component '" + valid_utf8(id) + "'";
    if (!reverse_dns(id))
        refuse(path, where + ": id must be reverse-DNS style, lower case, e.g. org.example.my-drill");
    if (empty_text(d->name) || empty_text(d->version) || empty_text(d->summary))
        refuse(path, where + ": name, version and summary must all be set");
    if (d->kind != DH_KIND_DRILL && d->kind != DH_KIND_INJECTOR && d->kind != DH_KIND_PROBE)
        refuse(path, where + ": unknown kind " + std::to_string(d->kind));
    if (!table->create || !table->destroy || !table->last_error)
        refuse(path, where + ": create, destroy and last_error are required");
    // A probe of ABI 1.3 may offer only declared operations (invoke) instead of sample.
    bool complete = (d->kind == DH_KIND_DRILL && table->run) ||
                    (d->kind == DH_KIND_INJECTOR && table->inject && table->revert) ||
                    (d->kind == DH_KIND_PROBE && (table->sample || declares_operations(table)));
    if (!complete)
        refuse(path, where + ": " + std::string(d->kind == DH_KIND_INJECTOR ? "an " : "a ") +
                         kind_name(d->kind) + " must implement " +
                         (d->kind == DH_KIND_DRILL      ? "run"
                          : d->kind == DH_KIND_INJECTOR ? "inject and revert"
                                                        : "sample, or declare operations"));

    Component component;
    component.id = id;
    component.name = valid_utf8(std::string(d->name, ::strnlen(d->name, 4096)));
    component.version = valid_utf8(std::string(d->version, ::strnlen(d->version, 4096)));
    component.summary = valid_utf8(std::string(d->summary, ::strnlen(d->summary, 4096)));
    component.kind = d->kind;
    if (d->struct_size >= offsetof(dh_descriptor, impact) + sizeof d->impact)  // ABI 1.2
        component.impact = d->impact >= DH_IMPACT_READ_ONLY && d->impact <= DH_IMPACT_SPLIT_BRAIN
                               ? d->impact
                               : DH_IMPACT_UNKNOWN;
    component.plugin_path = path;
    component.table = table;

    try {
        auto params = read_declared_schema(d->params_schema, "its parameter schema");
        component.schema = std::move(params.schema);
        component.validator = std::move(params.validator);
        component.operations = read_operations(component);
        if (d->struct_size >= offsetof(dh_descriptor, aliases_json) + sizeof d->aliases_json &&  // ABI 1.4
            d->aliases_json != nullptr)
            component.aliases = read_aliases(d->aliases_json, id, component.name);
    } catch (const std::invalid_argument &e) {
        refuse(path, where + ": " + e.what());
    }
    return component;
}

std::vector<std::string> expand(const std::string &pattern, std::vector<LoadProblem> &problems) {
    std::error_code ec;
    if (std::filesystem::is_directory(pattern, ec)) {
        // The real directory is checked: a link to a trusted directory is fine (the files in it are
        // checked one by one, and a symlinked file is refused).
        std::filesystem::path real = std::filesystem::canonical(pattern, ec);
        try {
            check_trusted_directory(ec ? std::filesystem::path(pattern) : real, "plugin directory");
        } catch (const UsageError &e) {
            problems.push_back({pattern, e.what()});
            return {};
        }
        std::vector<std::string> files;
        for (const auto &entry : std::filesystem::directory_iterator(pattern, ec))
            if (entry.path().extension() == ".so") files.push_back(entry.path().string());
        if (ec)
            problems.push_back({pattern, pattern + ": cannot list it: " + ec.message()});
        else if (files.empty())
            problems.push_back(
                {pattern, pattern + ": no *.so plugin in this directory; check the path given to --load"});
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

LoadedPlugin load_plugin(const std::string &path, const ComponentFilter &wanted) {
    // Before dlopen runs any of its code: a file we trust, built for this machine.
    int fd = open_plugin_file(path);
    try {
        check_elf_header(path, fd);
    } catch (...) {
        ::close(fd);
        throw;
    }
    ::close(fd);

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
    LoadedPlugin loaded = check_plugin_table(path, entry(), wanted);
    kept_libraries().push_back(std::move(library));
    return loaded;
}

LoadedPlugin check_plugin_table(const std::string &path, const dh_plugin *plugin,
                                const ComponentFilter &wanted) {
    if (plugin == nullptr) refuse(path, std::string(DH_ENTRY_SYMBOL) + "() returned NULL");
    check_version(path, plugin);
    if (plugin->component_count == 0 || plugin->components == nullptr) refuse(path, "declares no components");

    LoadedPlugin loaded;
    loaded.path = path;
    loaded.name = empty_text(plugin->name) ? path : plugin->name;
    loaded.version = empty_text(plugin->version) ? "" : plugin->version;
    loaded.abi_major = plugin->abi_major;
    loaded.abi_minor = plugin->abi_minor;
    for (uint32_t i = 0; i < plugin->component_count; ++i) {
        const dh_component *table = plugin->components[i];
        // Filtered: a component whose id cannot be read is one nobody asked for.
        auto id = component_id(path, table, i, /*strict=*/!wanted);
        if (!id || (wanted && !wanted(*id, table->descriptor->kind))) continue;
        loaded.components.push_back(read_component(path, table, *id));
    }
    return loaded;
}

LoadResult load_plugins(const std::vector<std::string> &patterns, const ComponentFilter &wanted) {
    LoadResult result;
    for (const auto &pattern : patterns) {
        for (const auto &file : expand(pattern, result.problems)) {
            try {
                // Absolute, so the ledger can name the file to a later `recover` run from elsewhere.
                auto plugin =
                    load_plugin(std::filesystem::absolute(file).lexically_normal().string(), wanted);
                if (!plugin.components.empty()) result.plugins.push_back(std::move(plugin));
            } catch (const InfraError &e) {
                result.problems.push_back({file, e.what()});
            }
        }
    }
    return result;
}

}  // namespace drillhost
