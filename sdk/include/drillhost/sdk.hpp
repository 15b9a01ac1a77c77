// drillhost C++ SDK, header-only. Include this one header to write a plugin:
//
//   #include <drillhost/sdk.hpp>
//   namespace dh = drillhost::sdk;
//   struct Hello : dh::Drill {
//       static constexpr dh::Info info{"org.example.hello", "hello", "1.0.0", "Says hello",
//                                      R"({"type":"object"})"};
//       void run(dh::Host &host, const dh::json &) override { host.info("hello"); }
//   };
//   DRILLHOST_PLUGIN("hello", "1.0.0", Hello)
//
// See docs/writing-a-plugin.md.
#pragma once

#include <drillhost/sdk/components.hpp>
#include <drillhost/sdk/export.hpp>
#include <drillhost/sdk/host.hpp>
#include <drillhost/sdk/params_schema.hpp>
