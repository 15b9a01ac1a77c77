// A params schema put together at compile time from groups of properties, so that parameters many
// components share (a write load, say) are declared once, with one default, and each component's
// schema still lists them all for `describe` and for the host's validation:
//
//   inline constexpr dh::Properties write_load{R"(
//       "writer_rate_hz": {"type": "number", "minimum": 1, "default": 200},
//       "settle_s": {"type": "number", "minimum": 0, "default": 2})"};
//
//   static constexpr dh::Info info{"org.example.my-drill", "my-drill", "1.0.0", "...",
//       dh::params_schema<dh::Properties{R"("member": {"type": "string"})"}, write_load>, ...};
//
// The result is {"type": "object", "properties": {<every group's properties>},
// "additionalProperties": false}: a typo in a parameter name is refused, not ignored. Each group is
// the inside of a "properties" object (no braces); an empty group adds nothing. The host compiles the
// schema when it loads the plugin, so a group that is not valid JSON there refuses the plugin, naming
// it.
#pragma once

#include <array>
#include <cstddef>

namespace drillhost::sdk {

// The properties of one group: the members of a JSON object, without the braces.
template <size_t N>
struct Properties {
    char text[N]{};
    constexpr Properties(const char (&properties)[N]) {
        for (size_t i = 0; i < N; ++i) text[i] = properties[i];
    }
    // Without surrounding white space, so that joining groups never leaves a comma before nothing.
    constexpr size_t begin() const {
        size_t i = 0;
        while (i + 1 < N && is_space(text[i])) ++i;
        return i;
    }
    constexpr size_t end() const {
        size_t i = N - 1;
        while (i > begin() && is_space(text[i - 1])) --i;
        return i;
    }
    constexpr bool empty() const { return begin() == end(); }

  private:
    static constexpr bool is_space(char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; }
};

namespace detail {

inline constexpr char schema_head[] = R"({"type": "object", "properties": {)";
inline constexpr char schema_tail[] = R"(}, "additionalProperties": false})";

template <auto... Groups>
constexpr size_t schema_size() {
    size_t size = sizeof schema_head - 1 + sizeof schema_tail - 1 + 1;
    ((size += Groups.end() - Groups.begin() + 2), ...);  // each group and a ", " before it
    return size;
}

template <auto... Groups>
constexpr auto join_schema() {
    std::array<char, schema_size<Groups...>()> out{};
    size_t at = 0;
    for (char c : schema_head)
        if (c) out[at++] = c;
    bool first = true;
    auto append = [&](const auto &group) {
        if (group.empty()) return;
        if (!first) out[at++] = ',', out[at++] = ' ';
        first = false;
        for (size_t i = group.begin(); i < group.end(); ++i) out[at++] = group.text[i];
    };
    (append(Groups), ...);
    for (char c : schema_tail)
        if (c) out[at++] = c;
    out[at] = '\0';
    return out;
}

template <auto... Groups>
inline constexpr auto joined_schema = join_schema<Groups...>();

}  // namespace detail

// The schema text of the groups joined, as static storage (a `const char *` for dh::Info).
template <auto... Groups>
inline constexpr const char *params_schema = detail::joined_schema<Groups...>.data();

}  // namespace drillhost::sdk
