#!/usr/bin/env python3
"""Every property and action signal of an element appears in its docs page.

usage: check_properties.py ELEMENT DOC.md  (gst-inspect-1.0 on PATH, plugin
path in the environment).  Fails when gst-inspect lists a property of the
element's own class that the page does not name in backquotes.  Pad
properties (the "Pad Properties:" lists of the pad templates, e.g. an
aggregator's request pads) are checked the same way."""
import re
import subprocess
import sys

# Properties every GstObject/GstBaseTransform has; not ours to document.
INHERITED = {"name", "parent", "qos"}


def main():
    element, doc = sys.argv[1], sys.argv[2]
    out = subprocess.run(["gst-inspect-1.0", element], capture_output=True,
                         text=True, check=True).stdout
    props = re.findall(r"^  ([a-z0-9-]+)\s+: ", out.split("Element Properties:")[1],
                       re.M)
    signals = re.findall(r'^  "([a-z0-9-]+)" :', out, re.M)
    pad_props = []
    for block in re.findall(r"^    Pad Properties:\n((?:      .*\n|\s*\n)*)",
                            out.split("Element Properties:")[0], re.M):
        pad_props += re.findall(r"^      ([a-z0-9-]+)\s*: ", block, re.M)
    pad_props = sorted(set(pad_props))
    text = open(doc, encoding="utf-8").read()
    missing = [p for p in props + signals + pad_props
               if p not in INHERITED and f"`{p}`" not in text]
    print(f"{element}: {len(props)} properties, {len(pad_props)} pad "
          f"properties, {len(signals)} actions; "
          f"undocumented: {missing or 'none'}")
    if not props:
        print("no properties parsed from gst-inspect output")
        return 1
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
