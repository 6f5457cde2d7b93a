#!/usr/bin/env python3
"""Makes a copy of kreboot and its two dependencies build with Swift 6.0.3 (Debian trixie's swiftlang, the only
Swift there is for aarch64 here). Edits the COPY only, in place: the manifests' tools version 6.0, the
dependencies as local paths, no trailing comma before `)` (Swift 6.1 syntax) and no `_runtime(_multithreaded)`
(unknown to 6.0; only the WASI branch of swift-system uses it).
usage: swift60-compat.py PACKAGE_DIR DEPS_DIR"""
import pathlib
import re
import sys

package, deps = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])


def rewrite(path: pathlib.Path, edit) -> None:
    text = path.read_text()
    changed = edit(text)
    if changed != text:
        path.write_text(changed)


def tools_60(text: str) -> str:
    return re.sub(r"^// swift-tools-version:\s*[0-9.]+", "// swift-tools-version:6.0", text, count=1)


def local_dependencies(text: str) -> str:
    return re.sub(r'\.package\(url: "https://github\.com/apple/([\w-]+)", from: "[0-9.]+"\)',
                  lambda m: f'.package(path: "../deps/{m.group(1)}")', text)


for manifest in [package / "Package.swift"] + sorted(deps.glob("*/Package.swift")):
    rewrite(manifest, tools_60)
rewrite(package / "Package.swift", local_dependencies)
for source in list((package / "Sources").rglob("*.swift")) + list(deps.rglob("Sources/**/*.swift")):
    rewrite(source, lambda t: re.sub(r",(\s*\n\s*)\)", r"\1)", t))
    rewrite(source, lambda t: t.replace("os(WASI) && !_runtime(_multithreaded)", "os(WASI)"))
