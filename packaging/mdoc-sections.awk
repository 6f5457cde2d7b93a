# Finishes the mdoc page that swift-argument-parser's generate-manual writes for kreboot.
#
# generate-manual copies each command's `discussion:` text into the page as plain text lines. The text
# follows a small layout convention (the same text is kreboot --help), which this script turns into mdoc:
#
#   HEADING                an upper-case line. In the root command's discussion it starts a section of
#                          its own (.Sh), moved behind DESCRIPTION: EXIT STATUS replaces the generator's
#                          one-line ".Ex -std", the others (SAFETY, FILES, JOURNAL, EXAMPLES, SEE ALSO)
#                          follow it in their order. In a subcommand's discussion it becomes a bold line.
#     title   description  a line indented by 2: a list item (.It); what follows 2+ blanks is its text
#                          (such lists are compact); in SEE ALSO, "name(8), ..." become .Xr references
#         text             a line indented by 4 or more: more text for the item above
#   (empty line)           a paragraph break (.Pp); it ends a list
#
# Nothing is added that is not in the discussion, so the page and --help cannot drift apart.
# Usage: awk -f mdoc-sections.awk generated.8 > kreboot.8

function quoted(text) {
    gsub(/"/, "\\(dq", text)
    return "\"" text "\""
}

function textline(text) {
    if (text ~ /^[.']/) text = "\\&" text
    return text
}

# Appends a line to the section being collected, or prints it when none is.
function out(line) {
    if (section != "") body[section] = body[section] line "\n"
    else print line
}

# A list is collected first so that a compact table can be as wide as its longest title.
function list_out(line) { list_body = list_body line "\n" }

function close_list(    width) {
    if (!in_list) return
    width = list_compact ? (list_width + 2 > 22 ? 22 : list_width + 2) "n -compact" : "Ds"
    out(".Bl -tag -width " width)
    out(substr(list_body, 1, length(list_body) - 1))
    out(".El")
    in_list = 0; just_closed = 1; list_body = ""; list_width = 0
}

# Handles one text line of a discussion; `root` says whether it is the root command's.
function discussion_line(line, root,    title, rest, n, macro) {
    if (line == "") { close_list(); pending_paragraph = 1; return }
    if (line ~ /^[A-Z][A-Z ]*[A-Z]$/) {
        close_list()
        pending_paragraph = 0
        if (root) {
            section = line
            order[++sections] = line
            body[section] = ""
            started = 0
        } else {
            out(".Pp"); out(".Sy " quoted(line))
        }
        return
    }
    if (pending_paragraph && !just_closed && started) out(".Pp")
    pending_paragraph = 0; just_closed = 0; started = 1
    if (section == "SEE ALSO" && line ~ /^  [^ ]/) { see_also(line); return }
    if (line ~ /^  [^ ]/) {
        sub(/^  /, "", line)
        n = match(line, /  +/)
        # A list whose first item has its text on the same line ("64  usage") is a compact table.
        if (!in_list) { in_list = 1; list_compact = (n > 0) }
        title = n ? substr(line, 1, n - 1) : line
        if (length(title) > list_width) list_width = length(title)
        rest = n ? substr(line, n + RLENGTH) : ""
        macro = (section == "FILES") ? "Pa" : "Li"
        list_out(".It " macro " " quoted(title))
        if (rest != "") list_out(textline(rest))
        return
    }
    if (line ~ /^    /) {
        sub(/^ +/, "", line)
        if (in_list) list_out(textline(line)); else out(textline(line))
        return
    }
    close_list()
    out(textline(line))
}

# "  kexec(8), makedumpfile(8)" -> .Xr kexec 8 , / .Xr makedumpfile 8
function see_also(line,    refs, n, i, name, sect) {
    n = split(line, refs, /, */)
    for (i = 1; i <= n; i++) {
        gsub(/^ +| +$/, "", refs[i])
        if (refs[i] !~ /^[^ (]+\([0-9a-z]+\)$/) { out(textline(refs[i])); continue }
        name = refs[i]; sub(/\(.*/, "", name)
        sect = refs[i]; sub(/^[^(]*\(/, "", sect); sub(/\)$/, "", sect)
        out(".Xr " name " " sect (i < n ? " ," : ""))
    }
}

# Prints the collected sections in the order of the discussion, once.
function flush_sections(    i) {
    for (i = 1; i <= sections; i++) {
        if (order[i] in flushed) continue
        flushed[order[i]] = 1
        print ".Sh " quoted(order[i])
        printf "%s", body[order[i]]
    }
}

BEGIN { state = "head"; section = ""; sections = 0 }

# Before the root description: copy.
state == "head" {
    print
    if ($0 == ".Sh DESCRIPTION") { state = "root"; started = 0 }
    next
}

# The root discussion ends where the generator's option list begins.
state == "root" && /^\./ {
    close_list()
    section = ""
    state = "body"
}

state == "root" { discussion_line($0, 1); next }

# Hidden subcommands (names starting with "_", like __execute) are left out, as --help leaves them out.
state == "body" && /^\.It Em / { hidden = ($3 ~ /^_/) }
state == "body" && hidden && !/^\.Sh / { next }

state == "body" && /^\.Sh / {
    close_list()
    hidden = 0
    if ($0 ~ /^\.Sh "?EXIT STATUS"?$/ && ("EXIT STATUS" in body)) {
        flush_sections()
        skip_ex = 1
        next
    }
    if (after_exit) { flush_sections(); after_exit = 0 }
    print
    if ($0 ~ /^\.Sh "?EXIT STATUS"?$/) after_exit = 1
    next
}

state == "body" && skip_ex && /^\.Ex / { skip_ex = 0; next }

state == "body" && /^\./ { close_list(); just_closed = 0; pending_paragraph = 0; started = 0; print; next }

state == "body" {
    # Subcommand abstracts and discussions: the generator's text lines inside its item list.
    started = 1
    discussion_line($0, 0)
    next
}

END { flush_sections() }
