#include "cli_context.hpp"

#include <drillhost/core/loader.hpp>
#include <drillhost/core/paths.hpp>

#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <drillhost/core/bounded_json.hpp>
#include <drillhost/core/redact.hpp>

#include <mutex>

namespace drillhost::cli {

namespace {

// Every console line goes through redaction first: a password in a URL, a conninfo or an error a
// server sent never reaches the terminal or a captured log. Text from plugins and servers may be
// any bytes; the terminal gets valid UTF-8.
class RedactingSink : public spdlog::sinks::base_sink<std::mutex> {
  public:
    explicit RedactingSink(spdlog::sink_ptr next) : next_(std::move(next)) {}

  protected:
    void sink_it_(const spdlog::details::log_msg &message) override {
        std::string clean =
            redact_text(valid_utf8(std::string_view(message.payload.data(), message.payload.size())));
        spdlog::details::log_msg redacted(message.time, message.source, message.logger_name, message.level,
                                          clean);
        next_->log(redacted);
    }
    void flush_() override { next_->flush(); }
    void set_pattern_(const std::string &pattern) override { next_->set_pattern(pattern); }
    void set_formatter_(std::unique_ptr<spdlog::formatter> formatter) override {
        next_->set_formatter(std::move(formatter));
    }

  private:
    spdlog::sink_ptr next_;
};

}  // namespace

void init_logging(const std::string &level) {
    auto console = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
    auto logger = std::make_shared<spdlog::logger>("drillhost", std::make_shared<RedactingSink>(console));
    logger->set_pattern("%H:%M:%S.%e %^%-5l%$ %v");
    logger->set_level(spdlog::level::from_str(level));
    spdlog::set_default_logger(logger);
}

int load_registry(const GlobalOptions &options, Registry &registry, const ComponentFilter &wanted) {
    std::vector<std::string> patterns = options.load;
    if (patterns.empty()) patterns.push_back(default_plugin_dir().string());
    LoadResult loaded = load_plugins(patterns, wanted);
    std::vector<LoadProblem> problems = loaded.problems;
    registry.add(loaded, problems);
    for (const auto &problem : problems) spdlog::error("plugin refused: {}", problem.message);
    return static_cast<int>(problems.size());
}

}  // namespace drillhost::cli
