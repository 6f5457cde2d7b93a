#!/bin/bash
# Checks what generate-docs.sh made from BINARY: the manual page renders with `man --warnings` and no
# warning, has the sections a sysadmin looks for, and names every subcommand that `BINARY --help` lists;
# each completion script names every subcommand too. Exits 1 with one line per problem.
# Usage: packaging/check-docs.sh BINARY OUTDIR
set -uo pipefail

binary=${1:?usage: check-docs.sh BINARY OUTDIR}
outdir=${2:?usage: check-docs.sh BINARY OUTDIR}
page=$outdir/kreboot.8
problems=0
problem() { echo "check-docs: $*" >&2; problems=$((problems + 1)); }

[ -s "$page" ] || { echo "check-docs: $page is missing or empty" >&2; exit 1; }

warnings=$(MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)
[ -z "$warnings" ] || problem "man --warnings -l $page: $warnings"
text=$(MANWIDTH=80 man -l "$page" 2>/dev/null | col -bx)
description=$(awk '/^DESCRIPTION$/ { on = 1; next } /^[A-Z]/ { on = 0 } on' <<<"$text")

for section in NAME SYNOPSIS DESCRIPTION SAFETY "EXIT STATUS" FILES JOURNAL EXAMPLES "SEE ALSO"; do
    grep -q "^$section\$" <<<"$text" || problem "$page has no $section section"
done
for code in 0 64 65 69 75 77; do
    grep -Eq "^ +$code +[a-z]" <<<"$text" || problem "$page does not explain exit status $code"
done

# The subcommands as --help lists them (the SUBCOMMANDS: block, hidden ones excluded).
subcommands=$("$binary" --help | awk '/^SUBCOMMANDS:/ { on = 1; next } on && /^$/ { on = 0 } on && /^  [a-z]/ { print $1 }')
[ -n "$subcommands" ] || problem "$binary --help lists no subcommands"
for subcommand in $subcommands; do
    grep -Eq "^ {5}$subcommand( |\$)" <<<"$description" || problem "$page does not describe the subcommand $subcommand"
    for script in kreboot.bash _kreboot kreboot.fish; do
        grep -qw -- "$subcommand" "$outdir/completions/$script" 2>/dev/null \
            || problem "completions/$script does not complete $subcommand"
    done
done
grep -q "__execute" <<<"$text" && problem "$page shows the hidden __execute command"

# Every option of the root command appears in the page.
for option in $("$binary" --help | grep -Eo -- '--[a-z][a-z-]+' | sort -u); do
    grep -q -- "$option" <<<"$text" || problem "$page does not mention $option"
done

# bash really completes: "kreboot sta<TAB>" gives "status", "kreboot save-dump --no-<TAB>" gives --no-reboot.
complete_in_bash() {
    bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
             _kreboot kreboot "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"; echo "${COMPREPLY[*]}"' \
        _ "$outdir/completions/kreboot.bash" "$@" 2>&1
}
reply=$(complete_in_bash kreboot sta)
[ "$reply" = "status" ] || problem "bash completes 'kreboot sta' to '$reply', not 'status'"
reply=$(complete_in_bash kreboot save-dump --no-)
[ "$reply" = "--no-reboot" ] || problem "bash completes 'kreboot save-dump --no-' to '$reply', not '--no-reboot'"

# zsh and fish, when installed: the scripts parse, and fish completes "kreboot sta" too.
if command -v zsh >/dev/null; then
    zsh -n "$outdir/completions/_kreboot" 2>&1 || problem "zsh -n completions/_kreboot fails"
fi
if command -v fish >/dev/null; then
    fish -n "$outdir/completions/kreboot.fish" 2>&1 || problem "fish -n completions/kreboot.fish fails"
    reply=$(fish -c "source $outdir/completions/kreboot.fish; complete -C 'kreboot sta'" 2>&1 | cut -f1)
    [ "$reply" = "status" ] || problem "fish completes 'kreboot sta' to '$reply', not 'status'"
fi

if [ "$problems" -gt 0 ]; then exit 1; fi
echo "check-docs: kreboot.8 renders without warnings and names $(wc -w <<<"$subcommands") subcommands; completions for bash, zsh, fish"
