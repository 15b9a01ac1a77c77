// Every loaded component, by id, also found by its short name and its aliases. Two components
// with one id are an error naming both files.
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

    // nullptr when no component has exactly this id.
    const Component *find(const std::string &id) const;
    // The id of the component of `kind` (0: any) that `name` names: its id, else the one whose
    // short name or alias (an id or short name it had before, ABI 1.4) it is. A name nothing of
    // that kind has is returned as it is (require() then says what is loaded). Throws UsageError
    // when it names several, listing them: an id is never guessed.
    std::string resolve(const std::string &name, dh_kind kind) const;
    // The component `name` resolves to. Throws UsageError naming the name, the kind wanted and
    // what is loaded, or what it is when it is of another kind.
    const Component &require(const std::string &name, dh_kind kind) const;

    // All components of one kind (0: every kind), sorted by id.
    std::vector<const Component *> list(dh_kind kind = 0) const;
    bool empty() const { return components_.empty(); }

  private:
    std::map<std::string, Component> components_;
};

}  // namespace drillhost
