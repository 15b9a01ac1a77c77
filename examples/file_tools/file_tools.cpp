// Example plugin with two components in one .so: a file injector (the "fault" is a marker file)
// and a probe that says whether a file exists. Harmless, so the ledger and the runner can be
// exercised anywhere, and a model for real injectors: the record is enough to revert.
#include <drillhost/sdk.hpp>

#include <array>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace dh = drillhost::sdk;
namespace fs = std::filesystem;

struct FileInjector : dh::Injector {
    static constexpr dh::Info info{"org.drillhost.example.file", "file", "1.0.0",
                                   "Creates a marker file as a harmless fault; revert deletes it",
                                   R"({
        "type": "object",
        "properties": {
            "path": {"type": "string", "minLength": 1, "description": "file to create; must not exist"},
            "content": {"type": "string", "default": "drillhost example fault\n"}
        },
        "required": ["path"],
        "additionalProperties": false
    })"};

    dh::json inject(dh::Host &host, const dh::json &params) override {
        fs::path path = params.at("path").get<std::string>();
        // Never clobber what we did not make: revert would then delete someone else's file.
        if (fs::exists(path)) throw dh::Error(DH_ERR_INVALID_ARGUMENT, path.string() + " already exists");
        std::ofstream out(path);
        out << params.at("content").get<std::string>();
        if (!out.flush()) throw dh::Error(DH_ERR_FAILED, "cannot write " + path.string());
        host.debug("created " + path.string());
        return {{"path", path.string()}};
    }

    static bool holds(const fs::path &path, const std::string &content) {
        std::ifstream in(path, std::ios::binary);
        std::string actual((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        return actual == content;
    }

    void revert(dh::Host &host, const dh::json &record, bool unconfirmed) override {
        fs::path path = record.at("path").get<std::string>();
        // Without a record we may not have made this file: only remove it if it holds our content.
        if (unconfirmed && fs::exists(path) && !holds(path, record.value("content", ""))) {
            host.warn("left " + path.string() + " alone: not the file this injector would have made");
            return;
        }
        std::error_code ec;
        bool removed = fs::remove(path, ec);
        if (ec) throw dh::Error(DH_ERR_FAILED, "cannot remove " + path.string() + ": " + ec.message());
        host.debug(std::string(removed ? "removed " : "nothing to remove at ") + path.string() +
                   (unconfirmed ? " (unconfirmed fault)" : ""));
    }
};

// A probe with one operation (ABI 1.3): each operation declares its params and result schemas, so
// the host checks both and `drillhost describe file-exists` shows them.
struct FileProbe : dh::Probe {
    static constexpr dh::Info info{"org.drillhost.example.file-exists", "file-exists", "1.0.0",
                                   "Says whether a file exists and its size", R"({"type": "object"})"};

    static constexpr auto operations() {
        return std::array{dh::Operation<FileProbe>{"exists", dh::Effect::observe,
                                                   "Whether a file exists, and its size", R"({
            "type": "object",
            "properties": {"path": {"type": "string", "minLength": 1}},
            "required": ["path"],
            "additionalProperties": false
        })",
                                                   R"({
            "type": "object",
            "properties": {"path": {"type": "string"}, "exists": {"type": "boolean"},
                           "size": {"type": "integer", "minimum": 0}},
            "required": ["path", "exists", "size"],
            "additionalProperties": false
        })",
                                                   &FileProbe::exists}};
    }

    dh::json exists(dh::Host &, const dh::json &params) {
        fs::path path = params.at("path").get<std::string>();
        std::error_code ec;
        bool exists = fs::exists(path, ec);
        // file_size of a directory (or a file gone meanwhile) is an error, and its value then -1:
        // the size is 0 unless there is one.
        auto size = exists ? fs::file_size(path, ec) : 0;
        return {{"path", path.string()}, {"exists", exists}, {"size", ec ? 0 : size}};
    }
};

DRILLHOST_PLUGIN("example-file-tools", "1.0.0", FileInjector, FileProbe)
