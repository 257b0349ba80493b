#!/bin/sh
# lessons/check.sh [BUILD] - run every command of every lesson and check every answer.
#
# For each lessons/NN-name/ (see lessons/README.md, "How the lessons check themselves"):
#   - README.md and README.ko.md exist with the same ```sh blocks, byte for byte;
#   - answers.md and answers.ko.md exist with the same check lines, in the same order;
#   - the questions (**Q1.** ...) of both READMEs match the answer sections (## Q1 ...)
#     of both answer files, and every answer section has at least one check line;
#   - the handouts (README.md, README.ko.md) do not link the answers;
#   - every command in the ```sh blocks runs (all blocks of a lesson in one shell, in
#     order, from the repository root, with BUILD on PATH) and exits 0, or 1 when its
#     line ends in "# exit 1"; wsinspect or wsaccept exiting 2 anywhere, even inside a
#     pipeline, is a failure;
#   - every check line <!-- check: CMD => TEXT --> (or =~ REGEX) runs CMD and compares
#     its output; for "=>", TEXT must also appear in the answer text above the check,
#     in both languages, so that the prose cannot drift from the program either.
# Commands that use tshark are skipped (and counted as skipped) when tshark is missing.
# Ends with "lessons: N passed, N failed" and exits 1 when anything failed.
# -v as first argument prints every passing check too.
set -u

verbose=0
if [ "${1:-}" = "-v" ]; then verbose=1; shift; fi
BUILD=${1:-build}

here=$(cd "$(dirname "$0")" && pwd) || exit 2
root=$(dirname "$here")
cd "$root" || exit 2
case $BUILD in /*) ;; *) BUILD=$root/$BUILD ;; esac

pass=0; fail=0; skip=0
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT
trap 'exit 2' INT TERM

ok()   { pass=$((pass + 1)); [ "$verbose" -eq 0 ] || printf '  ok    %s\n' "$1"; }
bad()  { fail=$((fail + 1)); printf '  FAIL  %s\n' "$1"; shift; for l in "$@"; do printf '        %s\n' "$l"; done; }
skipped() { skip=$((skip + 1)); [ "$verbose" -eq 0 ] || printf '  skip  %s\n' "$1"; }
# show a file indented (at most 15 lines), for failure details
show() { [ -s "$1" ] && sed -n '1,15s/^/        | /p' "$1"; return 0; }

finish() {
    if [ "$skip" -gt 0 ]; then
        echo "lessons: $pass passed, $fail failed, $skip skipped"
    else
        echo "lessons: $pass passed, $fail failed"
    fi
    [ "$fail" -eq 0 ] && exit 0
    exit 1
}

for tool in wsinspect wsaccept wsecho; do
    if [ ! -x "$BUILD/$tool" ]; then
        bad "$BUILD/$tool is missing: build it first (make all)"
        finish
    fi
done
have_tshark=0
command -v tshark >/dev/null 2>&1 && have_tshark=1
TIMEOUT=
command -v timeout >/dev/null 2>&1 && TIMEOUT="timeout 60"

# Shims: wsinspect and wsaccept as the lessons call them, reporting any exit status of 2
# or more (except 141, SIGPIPE from "| head") to a log, pipelines included.
mkdir -p "$tmp/bin"
for tool in wsinspect wsaccept; do
    cat >"$tmp/bin/$tool" <<EOF
#!/bin/sh
"$BUILD/$tool" "\$@"
rc=\$?
if [ \$rc -ge 2 ] && [ \$rc -ne 141 ]; then
    printf '%s\t%s %s: exit %s\n' "\${LESSON_ITEM:-command}" "$tool" "\$*" "\$rc" >>"$tmp/toollog"
fi
exit \$rc
EOF
    chmod +x "$tmp/bin/$tool"
done
# Helpers for check lines (not for the lessons' own commands, which a student types):
#   ev TYPE     keep the JSON Lines objects of one "type"
#   field NAME  print one field of each object: strings without quotes, other values as is
#   tshark_payloads FILE   tshark's tcp.payload (hex) of each packet it decodes as WebSocket,
#               one line per packet; run once per file and cached (tshark takes a while to start)
#   tshark_fields FILE FIELD...   tshark's FIELDs, tab-separated (empty when absent), one line
#               per packet of FILE whose TCP segment carries data (-Y 'tcp.len > 0'); cached per
#               FILE and FIELD list, so checks that share a field list start tshark once
#   GUID        the RFC 6455 GUID
#   wsecho_session [--signal SIG] [WSECHO OPTION...] -- [ws_client.py ARG...]   a fresh wsecho on a
#               free port, one client session against it (tests/e2e/ws_client.py), its lines
mkdir -p "$tmp/cache"
{ printf 'CACHE=%s\n' "$tmp/cache"; cat <<'EOF'
ev() { grep "\"type\":\"$1\""; }
field() { sed -n -e "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p" -e t -e "s/.*\"$1\":\([^,}\"]*\).*/\1/p"; }
tshark_payloads() {
    c=$CACHE/$(printf '%s' "$1" | tr -c 'A-Za-z0-9.-' _)
    [ -s "$c" ] || tshark -r "$1" -Y websocket -T fields -e tcp.payload >"$c" 2>/dev/null
    cat "$c"
}
tshark_fields() {
    tf_file=$1; shift
    tf_c=$CACHE/fields-$(printf '%s\n' "$tf_file" "$@" | cksum | tr ' ' -)
    if [ ! -s "$tf_c" ]; then
        tf_e=
        for tf_f in "$@"; do tf_e="$tf_e -e $tf_f"; done
        tshark -r "$tf_file" -Y 'tcp.len > 0' -T fields $tf_e >"$tf_c" 2>/dev/null
    fi
    cat "$tf_c"
}
GUID=258EAFA5-E914-47DA-95CA-C5AB0DC85B11
# wsecho_session [--signal SIG] [WSECHO OPTION...] -- [CLIENT ARG...]: a fresh wsecho on a free
#               port of 127.0.0.1 and one session of tests/e2e/ws_client.py against it (the
#               client's lines are printed); wsecho is stopped with Ctrl-C after it. With --signal,
#               SIG goes to wsecho instead, once the client has had its first answer, while the
#               client is still connected.
wsecho_session() {
    ws_sig=
    if [ "$1" = --signal ]; then ws_sig=$2; shift 2; fi
    ws_opts=
    while [ $# -gt 0 ] && [ "$1" != -- ]; do ws_opts="$ws_opts $1"; shift; done
    [ $# -gt 0 ] && shift
    ws_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    : >"$CACHE/wsecho.err"; : >"$CACHE/ws_client.out" # no line of a previous session may be read as this one's
    # shellcheck disable=SC2086
    wsecho --port "$ws_port" $ws_opts 2>"$CACHE/wsecho.err" &
    ws_pid=$!
    ws_n=100
    until grep -q '^wsecho: serving' "$CACHE/wsecho.err" 2>/dev/null; do
        ws_n=$((ws_n - 1)); [ "$ws_n" -gt 0 ] || { cat "$CACHE/wsecho.err" >&2; return 2; }
        sleep 0.1
    done
    python3 tests/e2e/ws_client.py --port "$ws_port" "$@" >"$CACHE/ws_client.out" &
    ws_cpid=$!
    if [ -n "$ws_sig" ]; then
        ws_n=100
        while [ "$(wc -l <"$CACHE/ws_client.out")" -lt 2 ] && [ "$ws_n" -gt 0 ]; do ws_n=$((ws_n - 1)); sleep 0.1; done
        kill -s "$ws_sig" "$ws_pid"
    fi
    wait "$ws_cpid"
    ws_rc=$?
    [ -n "$ws_sig" ] || kill -s INT "$ws_pid"
    wait "$ws_pid" 2>/dev/null
    cat "$CACHE/ws_client.out"
    return "$ws_rc"
}
EOF
} >"$tmp/helpers.sh"
PATH="$tmp/bin:$BUILD:$PATH"
COLUMNS=80
NO_COLOR=1
export PATH COLUMNS NO_COLOR

# ```sh blocks of a Markdown file, with README line numbers: "LINENO<TAB>TEXT"
sh_blocks() {
    awk '/^```sh[ \t]*$/ { inb = 1; next } inb && /^```[ \t]*$/ { inb = 0; print "--"; next }
         inb { printf "%d\t%s\n", NR, $0 }' "$1"
}
# the ```sh blocks' text only, for comparing the two languages
sh_text() { sh_blocks "$1" | cut -f2-; }
check_lines() { grep '^[[:blank:]]*<!-- check: .* -->[[:blank:]]*$' "$1" | sed 's/^[[:blank:]]*//; s/[[:blank:]]*$//'; }
question_ids() { grep -o '^\*\*Q[0-9][0-9]*\.\*\*' "$1" | tr -d '*.'; }
answer_ids() { sed -n 's/^## \(Q[0-9][0-9]*\)\([^0-9].*\)\{0,1\}$/\1/p' "$1"; }

lessons=
for d in lessons/[0-9][0-9]-*/; do [ -d "$d" ] && lessons="$lessons ${d%/}"; done
if [ -z "$lessons" ]; then
    bad "no lesson directory in lessons/"
    finish
fi

# The index names every lesson directory.
for d in $lessons; do
    n=${d#lessons/}
    if grep -q "($n/README.md)" lessons/README.md 2>/dev/null &&
       grep -q "($n/README.ko.md)" lessons/README.md; then
        ok "index: lessons/README.md links $n"
    else
        bad "index: lessons/README.md does not link $n/README.md and $n/README.ko.md"
    fi
done

for d in $lessons; do
    name=${d#lessons/}
    echo "== $name"
    missing=
    for f in README.md README.ko.md answers.md answers.ko.md; do
        [ -f "$d/$f" ] || missing="$missing $f"
    done
    if [ -n "$missing" ]; then
        bad "$name: missing$missing"
        continue
    fi
    ok "$name: all four files"

    # -- the handouts do not give the answers away -------------------------------
    for f in README.md README.ko.md; do
        if grep -n 'answers\(\.ko\)\{0,1\}\.md' "$d/$f" >"$tmp/links"; then
            bad "$name: $f links the answers (a handout is given to students without them)"
            show "$tmp/links"
        else
            ok "$name: $f does not link the answers"
        fi
    done

    # -- the two languages agree -------------------------------------------------
    sh_text "$d/README.md" >"$tmp/en.sh"; sh_text "$d/README.ko.md" >"$tmp/ko.sh"
    if [ ! -s "$tmp/en.sh" ]; then
        bad "$name: README.md has no \`\`\`sh block"
    elif cmp -s "$tmp/en.sh" "$tmp/ko.sh"; then
        ok "$name: README.md and README.ko.md have the same commands"
    else
        diff "$tmp/en.sh" "$tmp/ko.sh" >"$tmp/diff"
        bad "$name: the \`\`\`sh blocks of README.md and README.ko.md differ (< en, > ko)"
        show "$tmp/diff"
    fi
    check_lines "$d/answers.md" >"$tmp/en.chk"; check_lines "$d/answers.ko.md" >"$tmp/ko.chk"
    if cmp -s "$tmp/en.chk" "$tmp/ko.chk"; then
        ok "$name: answers.md and answers.ko.md have the same check lines"
    else
        diff "$tmp/en.chk" "$tmp/ko.chk" >"$tmp/diff"
        bad "$name: the check lines of answers.md and answers.ko.md differ (< en, > ko)"
        show "$tmp/diff"
    fi
    q_en=$(question_ids "$d/README.md" | tr '\n' ' ' | sed 's/ $//')
    q_ko=$(question_ids "$d/README.ko.md" | tr '\n' ' ' | sed 's/ $//')
    a_en=$(answer_ids "$d/answers.md" | tr '\n' ' ' | sed 's/ $//')
    a_ko=$(answer_ids "$d/answers.ko.md" | tr '\n' ' ' | sed 's/ $//')
    if [ -n "$q_en" ] && [ "$q_en" = "$q_ko" ] && [ "$q_en" = "$a_en" ] && [ "$q_en" = "$a_ko" ]; then
        ok "$name: questions and answers match ($q_en)"
    else
        bad "$name: questions and answers do not match" \
            "README.md: $q_en" "README.ko.md: $q_ko" "answers.md: $a_en" "answers.ko.md: $a_ko"
    fi

    # -- every command of the lesson, in one shell, in order ------------------------
    # Logical commands (lines joined at a trailing backslash) get a recorder after them.
    sh_blocks "$d/README.md" | awk -F'\t' -v cmds="$tmp/cmds" -v script="$tmp/lesson.sh" \
                                   -v tshark="$have_tshark" '
        function flush() {
            if (cmd == "") return
            n++
            ex = (cmd ~ /#[ \t]*exit 1[ \t]*$/) ? 1 : 0
            one = cmd; gsub(/\n/, " ", one)
            # without tshark, skip what uses it, and what uses a variable set by a skipped command
            uses_skipped = 0
            for (v in skipvar) if (index(cmd, "$" v) || index(cmd, "${" v)) uses_skipped = 1
            if (!tshark && (uses_skipped || cmd ~ /(^|[^a-z_])tshark([^a-z_]|$)/)) {
                if (match(cmd, /^[A-Za-z_][A-Za-z0-9_]*=/)) skipvar[substr(cmd, 1, RLENGTH - 1)] = 1
                printf "%d\t%d\tskip\t%s\n", start, ex, one > cmds
                printf "echo \"%d skip\" >>\"$RCLOG\"\n", n > script
            } else {
                printf "%d\t%d\trun\t%s\n", start, ex, one > cmds
                printf "%s\n__rc=$?; echo \"%d $__rc\" >>\"$RCLOG\"\n", cmd, n > script
            }
            cmd = ""
        }
        BEGIN { printf "" > cmds; printf "" > script }
        $0 == "--" { flush(); next }
        {
            line = $0; sub(/^[0-9]+\t/, "", line)
            if (cmd == "") {
                if (line ~ /^[ \t]*(#.*)?$/) next
                start = $1
                cmd = line
            } else {
                cmd = cmd "\n" line
            }
            if (line !~ /\\$/) flush()
        }
        END { flush() }'
    RCLOG=$tmp/rclog; export RCLOG
    : >"$RCLOG"; : >"$tmp/toollog"
    $TIMEOUT sh "$tmp/lesson.sh" </dev/null >"$tmp/out" 2>&1
    # join each command with its recorded exit status ("-" when it never ran)
    awk -F'\t' 'NR == FNR { split($0, a, " "); rc[a[1]] = a[2]; next }
                 { n++; printf "%s\t%s\t%s\t%s\t%s\n", $1, $2, $3, (n in rc) ? rc[n] : "-", $4 }' \
        "$RCLOG" "$tmp/cmds" >"$tmp/ran"
    while IFS='	' read -r line exp mode rc text; do
        label="$name/README.md:$line: $text"
        if [ "$mode" = skip ]; then skipped "$label (no tshark)"; continue; fi
        if [ "$rc" = "-" ]; then
            bad "$label" "never ran (the lesson's shell stopped or timed out before it)"
            show "$tmp/out"
        elif [ "$rc" -ne "$exp" ]; then
            bad "$label" "exit status $rc, expected $exp"
        else
            ok "$label"
        fi
    done <"$tmp/ran"
    if [ -s "$tmp/toollog" ]; then
        bad "$name: a tool failed inside the lesson's commands"
        cut -f2- "$tmp/toollog" >"$tmp/show"; show "$tmp/show"
    fi

    # -- every check line --------------------------------------------------------------
    # The answer text of each section (## Qn), without check lines, per language.
    rm -rf "$tmp/sec"; mkdir -p "$tmp/sec"
    for lang in en ko; do
        f=$d/answers.md; [ "$lang" = ko ] && f=$d/answers.ko.md
        awk -v dir="$tmp/sec" -v lang="$lang" '
            /^## Q[0-9]+/ { id = $2; sub(/[^Q0-9].*/, "", id); out = dir "/" lang "-" id; printf "" > out; next }
            /^#/ { out = ""; next }
            out != "" && $0 !~ /<!-- check: / { print > out }' "$f"
    done
    awk '/^## Q[0-9]+/ { id = $2; sub(/[^Q0-9].*/, "", id); next }
         /^#/ { id = "" }
         /^[ \t]*<!-- check: .* -->[ \t]*$/ { print (id == "" ? "-" : id) "\t" NR "\t" $0 }' \
        "$d/answers.md" >"$tmp/checks"
    for id in $a_en; do
        grep -q "^$id	" "$tmp/checks" || bad "$name/answers.md: $id has no check line"
    done
    # Pass 1: parse every check line and write them all into one script (each command in a
    # subshell of its own: a fork, not a new shell, per check).
    n=0
    : >"$tmp/plan"; : >"$tmp/checkrc"
    printf '. "%s"\n' "$tmp/helpers.sh" >"$tmp/checks.sh"
    while IFS='	' read -r id line text; do
        # split at the last " => " or " =~ " (parameter expansion: no process per check)
        body=${text#*<!-- check: }; body=${body% -->*}
        after_eq=${body##* => }; after_re=${body##* =~ }
        if [ "$after_eq" = "$body" ] && [ "$after_re" = "$body" ]; then
            bad "$name/answers.md:$line ($id): $body" \
                "not a check line: write <!-- check: CMD => TEXT --> or <!-- check: CMD =~ REGEX -->"
            continue
        elif [ "$after_re" = "$body" ] || { [ "$after_eq" != "$body" ] && [ ${#after_eq} -lt ${#after_re} ]; }; then
            op="=>"; want=$after_eq; cmd=${body% => *}
        else
            op="=~"; want=$after_re; cmd=${body% =~ *}
        fi
        case $cmd in
            *tshark*) if [ "$have_tshark" -eq 0 ]; then
                          skipped "$name/answers.md:$line ($id): $cmd $op $want (no tshark)"; continue
                      fi ;;
        esac
        n=$((n + 1))
        printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$n" "$op" "$id" "$line" "$want" "$cmd" >>"$tmp/plan"
        printf '( LESSON_ITEM=%s; export LESSON_ITEM\n%s\n) </dev/null >"%s" 2>"%s"; echo "%s $?" >>"%s"\n' \
            "$n" "$cmd" "$tmp/got.$n" "$tmp/err.$n" "$n" "$tmp/checkrc" >>"$tmp/checks.sh"
    done <"$tmp/checks"
    : >"$tmp/toollog"
    $TIMEOUT sh "$tmp/checks.sh" </dev/null >"$tmp/out" 2>&1
    tool_failed=" $(cut -f1 "$tmp/toollog" | tr '\n' ' ')"
    awk -F'\t' 'NR == FNR { split($0, a, " "); rc[a[1]] = a[2]; next }
                { printf "%s\t%s\n", ($1 in rc) ? rc[$1] : "-", $0 }' "$tmp/checkrc" "$tmp/plan" >"$tmp/plan.rc"

    # Pass 2: compare.
    loaded=
    while IFS='	' read -r rc n op id line want cmd; do
        label="$name/answers.md:$line ($id): $cmd $op $want"
        case $tool_failed in
            *" $n "*) bad "$label" "a tool failed:"
                      grep "^$n	" "$tmp/toollog" | cut -f2- >"$tmp/show"; show "$tmp/show"; show "$tmp/err.$n"
                      continue ;;
        esac
        if [ "$rc" = "-" ]; then
            bad "$label" "never ran (the checks' shell stopped or timed out before it)"; show "$tmp/out"
            continue
        elif [ "$rc" -ge 2 ]; then
            bad "$label" "the command failed (exit status $rc)"; show "$tmp/err.$n"
            continue
        fi
        if [ "$op" = "=>" ]; then
            got=; multi=
            { IFS= read -r got; IFS= read -r _ && multi=1; } <"$tmp/got.$n"
            if [ -n "$multi" ] || [ "$got" != "$want" ]; then
                bad "$label" "expected: $want" "got:"
                show "$tmp/got.$n"
                continue
            fi
            if [ "$id" != "$loaded" ]; then
                sec_en=$(cat "$tmp/sec/en-$id" 2>/dev/null); sec_ko=$(cat "$tmp/sec/ko-$id" 2>/dev/null)
                loaded=$id
            fi
            prose=
            case $sec_en in *"$want"*) ;; *) prose="$prose en" ;; esac
            case $sec_ko in *"$want"*) ;; *) prose="$prose ko" ;; esac
            if [ -n "$prose" ]; then
                bad "$label" "the output matches, but \"$want\" is not in the text of answer $id ($prose )"
                continue
            fi
        elif ! grep -Eq -- "$want" "$tmp/got.$n"; then
            bad "$label" "no line matches: $want" "got:"
            show "$tmp/got.$n"
            continue
        fi
        ok "$label"
    done <"$tmp/plan.rc"
done

finish
