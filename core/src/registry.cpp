#include <drillhost/core/errors.hpp>
#include <drillhost/core/registry.hpp>

#include <algorithm>

namespace drillhost {

void Registry::add(const LoadResult &result, std::vector<LoadProblem> &problems) {
    for (const auto &plugin : result.plugins) add(plugin, problems);
}

void Registry::add(const LoadedPlugin &plugin, std::vector<LoadProblem> &problems) {
    for (const auto &component : plugin.components) {
        auto [it, inserted] = components_.emplace(component.id, component);
        if (!inserted) {
            problems.push_back({plugin.path, "component id '" + component.id + "' is provided by both " +
                                                 it->second.plugin_path + " and " + plugin.path +
                                                 "; keeping the first, load only one of them"});
            continue;
        }
        // An alias that is another component's id can never name its own (an id always wins): said at
        // load, not found out when `run OLD-ID` runs something else.
        auto clash = [&](const Component &owner, const std::string &alias) {
            problems.push_back({plugin.path, "alias '" + alias + "' of " + owner.id + " (" +
                                                 owner.plugin_path + ") is the id of a component of " +
                                                 components_.at(alias).plugin_path + "; the id wins: '" +
                                                 alias + "' names that one"});
        };
        for (const auto &alias : component.aliases)
            if (components_.count(alias)) clash(component, alias);
        for (const auto &[id, other] : components_)
            if (id != component.id &&
                std::find(other.aliases.begin(), other.aliases.end(), component.id) != other.aliases.end())
                clash(other, component.id);
    }
}

const Component *Registry::find(const std::string &id) const {
    auto it = components_.find(id);
    return it == components_.end() ? nullptr : &it->second;
}

std::string Registry::resolve(const std::string &name, dh_kind kind) const {
    if (find(name)) return name;
    std::vector<std::string> ids;
    for (const auto *c : list(kind))
        if (c->name == name || std::find(c->aliases.begin(), c->aliases.end(), name) != c->aliases.end())
            ids.push_back(c->id);
    if (ids.empty()) return name;
    if (ids.size() == 1) return ids.front();
    std::string listed;
    for (const auto &id : ids) listed += (listed.empty() ? "" : ", ") + id;
    throw UsageError("'" + name + "' is ambiguous: it names " + listed + "; give the full id");
}

const Component &Registry::require(const std::string &name, dh_kind kind) const {
    const Component *component = find(resolve(name, kind));
    if (component == nullptr) {
        std::string known;
        for (const auto *c : list(kind)) known += (known.empty() ? "" : ", ") + c->id;
        throw UsageError("no " + std::string(kind_name(kind)) + " '" + name + "' is loaded" +
                         (known.empty() ? std::string("; none are (check --load)") : "; loaded: " + known));
    }
    if (component->kind != kind)
        throw UsageError("'" + name + "' is of kind " + kind_name(component->kind) + ", not " +
                         kind_name(kind));
    return *component;
}

std::vector<const Component *> Registry::list(dh_kind kind) const {
    std::vector<const Component *> out;
    for (const auto &[id, component] : components_)
        if (kind == 0 || component.kind == kind) out.push_back(&component);
    return out;
}

}  // namespace drillhost
