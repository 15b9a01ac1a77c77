#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_plugin_table (corpus/plugin_table/), whose inputs are binary: a
header of size selectors and flags, then NUL-separated strings (the format is described at the top
of fuzz_plugin_table.cpp). Run it again after changing that format."""
import os

FULL, IMPACT, NO_IMPACT = 5, 6, 4  # indexes into the size tables of fuzz_plugin_table.cpp
DRILL, INJECTOR, PROBE = 1, 2, 3
FUNCTIONS = {DRILL: 1 | 2 | 4 | 8, INJECTOR: 1 | 2 | 4 | 16 | 32, PROBE: 1 | 2 | 4 | 64}
SCHEMA = '{"type":"object","properties":{"hold_ms":{"type":"integer","minimum":0,"default":100}}}'


def component(kind, impact=2, descriptor=IMPACT, table=FULL):
    return bytes([table, descriptor, kind + 5 * (impact + 2), FUNCTIONS[kind]])


def strings(component_id, schema=SCHEMA):
    return [component_id, "name", "1.0.0", "a summary", schema]


def seed(components, texts, plugin_size=FULL, abi=0, filter_bits=0):
    header = bytes([plugin_size, abi, len(components), filter_bits]) + b"".join(components)
    return header + b"\0".join(t.encode() for t in ["fuzz-plugin", "1.0.0"] + texts)


seeds = {
    "one-drill": seed([component(DRILL, impact=3)], strings("org.drillhost.fuzz.drill")),
    "three-kinds-filtered": seed(
        [component(DRILL), component(INJECTOR), component(PROBE)],
        strings("org.drillhost.fuzz.drill") + strings("org.drillhost.fuzz.injector")
        + strings("org.drillhost.fuzz.probe"),
        filter_bits=1 | 1 << DRILL),
    "abi-1-1": seed([component(PROBE, descriptor=NO_IMPACT)], strings("org.drillhost.fuzz.old"), abi=3 * 2),
    "refs-and-patterns": seed([component(DRILL)], strings(
        "org.drillhost.fuzz.refs",
        '{"type":"object","definitions":{"host":{"type":"string","pattern":"^[a-z0-9-]+$"}},'
        '"properties":{"from":{"$ref":"#/definitions/host"},"to":{"$ref":"#/definitions/host"},'
        '"tags":{"patternProperties":{"^x-":{"type":"string"}}}}}')),
    "long-id": seed([component(DRILL)], strings("org.drillhost." + "x" * 300)),
    # ABI 1.3: a probe declaring an observe and an act (kind byte 28: probe, /25 = 1), full tables.
    "operations": seed([bytes([FULL, IMPACT + 8, 28, FUNCTIONS[PROBE] | 128])],
                       strings("org.drillhost.fuzz.ops")
                       + ["look", "looks", '{"type":"object"}', '{"type":"object"}', "",
                          "make", "makes", '{"type":"object"}', '{"type":"object"}', "look"]),
    "null-table": seed([bytes([0xff, 0, 0, 0]), component(DRILL)], strings("") + strings("org.drillhost.fuzz.b")),
}

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "plugin_table")
os.makedirs(out, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
