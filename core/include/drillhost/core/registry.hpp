// Every loaded component, by id. Two components with one id are an error naming both files.
#pragma once

#include <drillhost/core/loader.hpp>

#include <map>
#include <string>
#include <vector>

namespace drillhost {

class Registry {
  public:
    // Adds the plugins' components; a duplicate id is appended to `problems` and left out.
    void add(const LoadResult &result, std::vector<LoadProblem> &problems);
    void add(const LoadedPlugin &plugin, std::vector<LoadProblem> &problems);

    // nullptr when unknown.
    const Component *find(const std::string &id) const;
    // Throws UsageError naming the id, the kind wanted and what is loaded.
    const Component &require(const std::string &id, dh_kind kind) const;

    // All components of one kind (0: every kind), sorted by id.
    std::vector<const Component *> list(dh_kind kind = 0) const;
    bool empty() const { return components_.empty(); }

  private:
    std::map<std::string, Component> components_;
};

}  // namespace drillhost
