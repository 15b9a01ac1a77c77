// The embedded cluster as the engine sees it: a service backend of kind "sandbox" that claims the
// services of a target of kind "drillhost-sandbox" and drives them through the supervisor. Its
// hosts need no transport of their own: a member names its netns (or, in loopback mode, the local
// transport) in the target the sandbox writes.
#pragma once

namespace drillhost::sandbox {

// Registers the backend with the core (backends.hpp). Call once at start-up, before any run and
// before worker_main(): a worker process controls services too.
void register_backend();

}  // namespace drillhost::sandbox
