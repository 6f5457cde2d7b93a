#!/bin/bash
# Generates kreboot's manual page and shell completions from the kreboot binary itself, so that they say
# what --help says:
#   OUTDIR/kreboot.8                    swift-argument-parser's generate-manual (run on BINARY's
#                                       --experimental-dump-help), finished by mdoc-sections.awk
#   OUTDIR/completions/kreboot.bash, _kreboot, kreboot.fish
#                                       BINARY --generate-completion-script bash|zsh|fish
# The page's date is the date of the newest entry in packaging/debian/changelog, so the output is
# reproducible. generate-manual is built once (debug, about 15 s) and reused.
# Usage: packaging/generate-docs.sh BINARY OUTDIR
set -euo pipefail

binary=${1:?usage: generate-docs.sh BINARY OUTDIR}
outdir=${2:?usage: generate-docs.sh BINARY OUTDIR}
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
swift=${SWIFT:-$(command -v swift || echo /opt/swift/usr/bin/swift)}

[ -x "$binary" ] || { echo "generate-docs.sh: $binary: no such executable (build it first)" >&2; exit 1; }
mkdir -p "$outdir/completions" "$outdir/generated"

tool_dir=$(cd "$repo" && "$swift" build --product generate-manual --show-bin-path)
if [ ! -x "$tool_dir/generate-manual" ] || [ "$tool_dir/generate-manual" -ot "$repo/Package.resolved" ]; then
    (cd "$repo" && "$swift" build --product generate-manual >/dev/null)
fi

date=$(date -u -d "$(dpkg-parsechangelog -l "$here/debian/changelog" -S Date)" +%Y-%m-%d)
"$tool_dir/generate-manual" "$binary" --section 8 --date "$date" --output-directory "$outdir/generated"
awk -f "$here/mdoc-sections.awk" "$outdir/generated/kreboot.8" > "$outdir/kreboot.8"

"$binary" --generate-completion-script bash > "$outdir/completions/kreboot.bash"
"$binary" --generate-completion-script zsh > "$outdir/completions/_kreboot"
"$binary" --generate-completion-script fish > "$outdir/completions/kreboot.fish"
