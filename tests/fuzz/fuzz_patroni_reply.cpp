// libFuzzer target: the Patroni REST reply parsers (probes/patroni_rest/patroni_reply.cpp) on any
// bytes. Every input goes through every parser, since a server may answer any endpoint with
// anything. A parser may refuse with ReplyError; any other exception, a crash or undefined behaviour
// is a finding. What a parser accepts must dump as JSON, as the probe hands it to the host.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "patroni_reply.hpp"

using namespace drillhost::probes;

namespace {

template <class Parser>
void parse_with(Parser parser, std::string_view body) {
    static const ReplyOrigin origin{"GET http://fuzz:8008/x", 200};
    try {
        (void)parser(body, origin).dump();
    } catch (const ReplyError &) {
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    std::string_view body(reinterpret_cast<const char *>(data), size);
    parse_with(parse_cluster, body);
    parse_with(parse_patroni, body);
    parse_with(parse_history, body);
    parse_with(parse_config, body);
    parse_with(parse_failsafe, body);
    return 0;
}
