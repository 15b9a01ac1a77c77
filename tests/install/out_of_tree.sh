#!/usr/bin/env bash
# Installs the build into a temporary prefix, then builds the examples outside the tree the way a
# third party would: the C++ plugins and the embedding harness with find_package(drillhost), the C
# plugin with pkg-config. The installed drillhost and the harness must load and run them. Leaves
# nothing behind.
# Usage: out_of_tree.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1
source=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/drillhost-install-test-XXXXXX")
trap 'rm -rf "$work"' EXIT

# An upgrade over a drill file of a former name removes it (the new file keeps the old id as an alias).
mkdir -p "$work/prefix/lib/drillhost/plugins"
cp "$build/plugins/primary-down-node-lost.so" "$work/prefix/lib/drillhost/plugins/primary_down_node_lost.so"
cmake --install "$build" --prefix "$work/prefix" > "$work/install.log"
if [ -e "$work/prefix/lib/drillhost/plugins/primary_down_node_lost.so" ]; then
  echo "FAIL: the former drill file primary_down_node_lost.so outlived the install" >&2; exit 1
fi
export PKG_CONFIG_PATH="$work/prefix/lib/pkgconfig"

# C++ plugins, and the harness that embeds the engine, with CMake's find_package(drillhost).
for example in file_tools cpp_drill embedded_harness; do
  cmake -S "$source/examples/$example" -B "$work/$example" -DCMAKE_PREFIX_PATH="$work/prefix" \
    -DCMAKE_BUILD_TYPE=Release > "$work/$example.log"
  cmake --build "$work/$example" >> "$work/$example.log"
done

# The C plugin with a bare compiler and pkg-config: nothing but the C header is needed.
mkdir -p "$work/c_drill"
cc -std=c11 -Wall -Wextra -pedantic -Werror -shared -fPIC -fvisibility=hidden \
  $(pkg-config --cflags drillhost) "$source/examples/c_drill/hello_drill.c" -o "$work/c_drill/example_c_hello.so"

drillhost="$work/prefix/bin/drillhost"
"$drillhost" --version
plugins=(--load "$work/file_tools/*.so" --load "$work/cpp_drill/*.so" --load "$work/c_drill/*.so")
listing=$("$drillhost" "${plugins[@]}" list)
echo "$listing"
for id in org.drillhost.example.c-hello org.drillhost.example.marker org.drillhost.example.file; do
  grep -q "$id" <<< "$listing" || { echo "FAIL: $id not listed by the installed drillhost" >&2; exit 1; }
done
"$drillhost" "${plugins[@]}" --state-dir "$work/state" run --target none --all -p "org.drillhost.example.marker:path=$work/marker"
# The harness links the installed engine and runs the out-of-tree drills, in process and isolated.
for mode in "" --isolated; do
  "$work/embedded_harness/drillhost_embedded_harness" $mode "$work/file_tools" "$work/cpp_drill" "$work/c_drill"
done
echo "out-of-tree plugins and harness built and ran against the installed package"
