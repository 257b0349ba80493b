#!/bin/sh
# wsaccept.sh - every mode and exit status of the wsaccept program ($WSACCEPT), run from the repository root.
# Expected Accepts are computed here with the openssl pipeline, not taken from the program.
set -u
. tests/lib.sh

W=${WSACCEPT:-build/wsaccept}
FX=tests/cli/fixtures
GUID=258EAFA5-E914-47DA-95CA-C5AB0DC85B11
RFC_KEY=dGhlIHNhbXBsZSBub25jZQ==
RFC_ACC='s3pPLMBiTxaQ9kYGzzhZRbK+xOo='
T=$(mktemp -d)
trap 'rm -rf "$T" "$_out"' EXIT

if [ ! -x "$W" ]; then
    echo "wsaccept: $W is not built"
    _bad "program built" "$W missing"
    finish
    exit 1
fi

# The Accept of a key, by the shell pipeline the man page documents.
ref_accept() { printf '%s' "$1$GUID" | openssl sha1 -binary | base64; }

# Run wsaccept; stdout to $T/out, stderr to $T/err; the exit status in $rc.
run() { "$W" "$@" >"$T/out" 2>"$T/err"; rc=$?; }
run_in() { input=$1; shift; printf "$input" | "$W" "$@" >"$T/out" 2>"$T/err"; rc=$?; }

# all_crlf FILE: the file is not empty and every line of it ends in CR LF.
all_crlf() {
    cr=$(printf '\r')
    [ -s "$1" ] && [ "$(grep -c "$cr\$" "$1")" = "$(wc -l <"$1" | tr -d ' ')" ] && [ "$(tail -c 1 "$1" | od -An -c | tr -d ' ')" = '\n' ]
}

# has FILE TEXT: the file contains TEXT (a fixed string).
has() { grep -qF -- "$2" "$1"; }

HAVE_PY=0
command -v python3 >/dev/null 2>&1 && HAVE_PY=1
# json_each FILE: every line of FILE is one valid JSON object.
json_each() {
    [ -s "$1" ] || return 1
    while IFS= read -r line; do
        printf '%s' "$line" | python3 -m json.tool >/dev/null || return 1
    done <"$1"
}
# jget FILE LINE EXPR: a Python expression over the object `o` parsed from line LINE.
jget() { python3 -c 'import json,sys; o=json.loads(open(sys.argv[1],encoding="utf-8").read().splitlines()[int(sys.argv[2])-1]); print(eval(sys.argv[3]))' "$1" "$2" "$3"; }

# ---- help, version, usage errors -------------------------------------------
run --help
expect_eq "--help exits 0" "$rc" 0
check "--help prints usage on stdout" has "$T/out" "usage: wsaccept"
expect_eq "--help writes nothing on stderr" "$(cat "$T/err")" ""

run --version
expect_eq "--version exits 0" "$rc" 0
want_ver=$(sed -n 's/^VERSION *:= *//p' Makefile)
expect_eq "--version first line" "$(head -n 1 "$T/out")" "wsaccept $want_ver"
check "--version names OpenSSL" has "$T/out" "OpenSSL"

run --no-such-option
expect_eq "unknown option exits 2" "$rc" 2
check "unknown option: usage on stderr" has "$T/err" "usage: wsaccept"
expect_eq "unknown option: nothing on stdout" "$(cat "$T/out")" ""

run ""
expect_eq "empty key exits 2" "$rc" 2
check "empty key says what was expected" has "$T/err" "expected a Sec-WebSocket-Key"
run "  "
expect_eq "blank key exits 2" "$rc" 2

run --explain --verify "$RFC_KEY" "$RFC_ACC"
expect_eq "two modes exit 2" "$rc" 2
run --request
expect_eq "--request without FILE exits 2" "$rc" 2

if command -v script >/dev/null 2>&1; then
    # standard input a terminal and no argument: nothing to read, a usage error
    script -qec "$W" /dev/null </dev/null >"$T/out" 2>&1
    expect_eq "no argument and a terminal on stdin exits 2" "$?" 2
    check "no argument and a terminal: says what was expected" has "$T/out" "expected a Sec-WebSocket-Key"
else
    skip "no argument and a terminal on stdin" "script(1) not installed"
fi
run </dev/null
expect_eq "no key on an empty stdin exits 2" "$rc" 2
check "no key on stdin: message" has "$T/err" "no keys on standard input"

# ---- computing ------------------------------------------------------------------
run "$RFC_KEY"
expect_eq "RFC 6455 example exits 0" "$rc" 0
expect_eq "RFC 6455 example Accept" "$(cat "$T/out")" "$RFC_ACC"
expect_eq "RFC key: no warning" "$(cat "$T/err")" ""

# fresh random keys, each checked against the openssl pipeline
keys=""
want=""
i=0
while [ $i -lt 20 ]; do
    k=$(openssl rand -base64 16)
    keys="$keys $k"
    want="$want$(ref_accept "$k")
"
    i=$((i + 1))
done
# shellcheck disable=SC2086
run $keys
expect_eq "20 random keys as arguments: exit" "$rc" 0
expect_eq "20 random keys as arguments: Accepts in order" "$(cat "$T/out")
" "$want"

# the same keys on stdin, with blank lines and CR line ends
printf '%s\n' $keys | sed 's/$/\r/' | awk '{print; print ""}' | "$W" >"$T/out" 2>"$T/err"
rc=$?
expect_eq "stdin list (no argument): exit" "$rc" 0
expect_eq "stdin list (no argument): Accepts in order" "$(cat "$T/out")
" "$want"
printf '%s\n' $keys | "$W" - >"$T/out" 2>"$T/err"
expect_eq "stdin list with '-'" "$(cat "$T/out")
" "$want"

# '-' mixed with arguments keeps the order
run_in "$RFC_KEY\n" AAAA - AAAA
expect_eq "arguments around '-' keep their order" "$(cat "$T/out")" "$(ref_accept AAAA)
$RFC_ACC
$(ref_accept AAAA)"

# trimming
run_in "  $RFC_KEY\r\n"
expect_eq "stdin key '  key\\r' is trimmed" "$(cat "$T/out")" "$RFC_ACC"
expect_eq "trimmed key: no warning" "$(cat "$T/err")" ""
run " $RFC_KEY	"
expect_eq "argument key with spaces and a tab is trimmed" "$(cat "$T/out")" "$RFC_ACC"

# ---- what students paste --------------------------------------------------------
# Keys copied from JSON ("key":"...", with quotes and a trailing comma), from header panels
# (Sec-WebSocket-Key: ...) and from documents: what surrounds the key is removed and said.
RKEY=$(openssl rand -base64 16)
RACC=$(ref_accept "$RKEY")
cq=$(printf '\342\200\234')  # U+201C
cq2=$(printf '\342\200\235') # U+201D
sq=$(printf '\342\200\230')  # U+2018
sq2=$(printf '\342\200\231') # U+2019
tab=$(printf '\t')
# pasted_forms K: one pasted form of K per line, then "|" and what the note must say was removed
pasted_forms() {
    cat <<EOF
"$1"|the double quotes
'$1'|the single quotes
"$1",|the double quotes and a trailing comma
'$1' ,|the single quotes and a trailing comma
\`$1\`|the backquotes
$cq$1$cq2|the curly quotes
$sq$1$sq2|the curly quotes
$1,|a trailing comma
Sec-WebSocket-Key: $1|the header name Sec-WebSocket-Key
sec-websocket-key:$1|the header name sec-websocket-key
SEC-WEBSOCKET-KEY  :${tab} $1 |the header name SEC-WEBSOCKET-KEY
Sec-WebSocket-Key${tab}$1|the header name Sec-WebSocket-Key
Sec-WebSocket-Key: "$1"|the header name Sec-WebSocket-Key and the double quotes
"Sec-WebSocket-Key": "$1",|the header name Sec-WebSocket-Key, the double quotes and a trailing comma
"sec-websocket-key":"$1"|the header name sec-websocket-key and the double quotes
"key":"$1",|the JSON name "key", the double quotes and a trailing comma
"key" : "$1"|the JSON name "key" and the double quotes
  "$1"  ,  |the double quotes and a trailing comma
"Sec-WebSocket-Key: $1"|the header name Sec-WebSocket-Key and the double quotes
EOF
}
for k in "$RFC_KEY" "$RKEY"; do
    want=$(ref_accept "$k")
    pasted_forms "$k" >"$T/forms"
    while IFS='|' read -r form what; do
        run "$form"
        expect_eq "pasted [$form]: exit 0" "$rc" 0
        expect_eq "pasted [$form]: the Accept of the key inside" "$(cat "$T/out")" "$want"
        expect_eq "pasted [$form]: the note says what was removed" "$(cat "$T/err")" \
            "wsaccept: note: argument 1: removed $what; using $k"
    done <"$T/forms"
    # the same lines on standard input, in one batch, with CR line ends
    cut -d'|' -f1 "$T/forms" | sed 's/$/\r/' | "$W" >"$T/out" 2>"$T/err"
    rc=$?
    expect_eq "pasted forms on stdin ($k): exit 0" "$rc" 0
    expect_eq "pasted forms on stdin ($k): the Accept of the key" "$(sort -u "$T/out")" "$want"
    expect_eq "pasted forms on stdin ($k): one Accept per line" "$(wc -l <"$T/out" | tr -d ' ')" \
        "$(wc -l <"$T/forms" | tr -d ' ')"
    expect_eq "pasted forms on stdin ($k): one note per line, named by its number" \
        "$(grep -c '^wsaccept: note: standard input line [0-9]*: removed ' "$T/err")" "$(wc -l <"$T/forms" | tr -d ' ')"
    check "pasted forms on stdin ($k): no warning" sh -c '! grep -q warning "$1"' sh "$T/err"
done
run "$RFC_KEY"
expect_eq "a bare key: no note" "$(cat "$T/err")" ""
run --strict "\"$RFC_KEY\","
expect_eq "--strict takes the key inside quotes" "$rc $(cat "$T/out")" "0 $RFC_ACC"

# a JSON array of keys, as pasted: the brackets and an empty string are not keys
printf '[\n  "%s",\n  "%s"\n]\n' "$RFC_KEY" "$RKEY" | "$W" >"$T/out" 2>"$T/err"
rc=$?
expect_eq "a JSON array on stdin: exit 0" "$rc" 0
expect_eq "a JSON array on stdin: the two Accepts" "$(cat "$T/out")" "$RFC_ACC
$RACC"
printf '""\n,\n%s\n' "$RFC_KEY" | "$W" >"$T/out" 2>"$T/err"
expect_eq "stdin: lines with nothing inside the quotes are skipped" "$(cat "$T/out")" "$RFC_ACC"
run '""'
expect_eq "an argument with nothing inside the quotes: exit 2" "$rc" 2
check "an argument with nothing inside the quotes: an empty key" has "$T/err" "an empty key"
run 'Sec-WebSocket-Key:'
expect_eq "a header name alone: exit 2" "$rc" 2

# a quote inside the text is not around it: kept
run 'ab"cd'
expect_eq "a quote inside a key is kept" "$(cat "$T/out")" "$(ref_accept 'ab"cd')"
check "a quote inside a key: no note" sh -c '! grep -q removed "$1"' sh "$T/err"
# the name of another header is not removed
run "Sec-WebSocket-Version: $RFC_KEY"
expect_eq "another header's name is not removed" "$(cat "$T/out")" "$(ref_accept "Sec-WebSocket-Version: $RFC_KEY")"
# the short JSON names need their colon
run "key $RFC_KEY"
expect_eq "'key KEY' (no colon) is not cleaned" "$(cat "$T/out")" "$(ref_accept "key $RFC_KEY")"

# --as-is: only the blanks around are trimmed
run --as-is " \"$RFC_KEY\", "
expect_eq "--as-is: the quotes and comma are hashed" "$(cat "$T/out")" "$(ref_accept "\"$RFC_KEY\",")"
check "--as-is: warned, not base64" has "$T/err" "not valid base64"
check "--as-is: no note" sh -c '! grep -q removed "$1"' sh "$T/err"
run --as-is "Sec-WebSocket-Key: $RFC_KEY"
expect_eq "--as-is: the header name is hashed" "$(cat "$T/out")" "$(ref_accept "Sec-WebSocket-Key: $RFC_KEY")"

# --explain: the key is the key, not what was pasted around it
run --explain "Sec-WebSocket-Key: \"$RFC_KEY\""
expect_eq "--explain pasted: exit 0" "$rc" 0
expect_eq "--explain pasted: step 1 shows the key alone" "$(sed -n '/^1\. The key/{n;p;}' "$T/out")" "     $RFC_KEY"
check "--explain pasted: says what was given and removed" has "$T/out" \
    "the header name Sec-WebSocket-Key and the double quotes are not part of the key and were removed."
check "--explain pasted: the concatenation has no header name" has "$T/out" "     $RFC_KEY$GUID"
check "--explain pasted: the Accept" has "$T/out" "Sec-WebSocket-Accept: $RFC_ACC"
check "--explain pasted: its printed pipeline gives its Accept" sh -c \
    'line=$(grep "^  printf .*| openssl sha1 -binary | base64\$" "$1") && [ "$(sh -c "$line")" = "$2" ]' sh "$T/out" "$RFC_ACC"

# an Accept given as a key: said, with what to do, and not computed
for a in "$RFC_ACC" "$RACC" "\"$RFC_ACC\"," "Sec-WebSocket-Accept: $RFC_ACC" "sec-websocket-accept:$RACC" \
    "\"accept\":\"$RFC_ACC\""; do
    run "$a"
    expect_eq "an Accept as key [$a]: exit 1" "$rc" 1
    expect_eq "an Accept as key [$a]: no Accept printed" "$(cat "$T/out")" ""
    check "an Accept as key [$a]: says it is an Accept" has "$T/err" \
        "is a Sec-WebSocket-Accept (28 characters, the base64 of 20 bytes: a SHA-1 digest), not a Sec-WebSocket-Key"
    check "an Accept as key [$a]: says what to do" has "$T/err" "give the client's Sec-WebSocket-Key"
    check "an Accept as key [$a]: --verify with it" grep -qF -e "--verify KEY $RFC_ACC" -e "--verify KEY $RACC" "$T/err"
done
run --explain "$RFC_ACC"
expect_eq "--explain an Accept: exit 1" "$rc" 1
expect_eq "--explain an Accept: nothing explained" "$(cat "$T/out")" ""
run --strict "$RFC_ACC"
check "--strict an Accept: said to be an Accept" has "$T/err" "is a Sec-WebSocket-Accept"
run "$RFC_KEY" "$RFC_ACC" "$RKEY"
expect_eq "an Accept among keys: exit 1" "$rc" 1
expect_eq "an Accept among keys: the keys around it computed" "$(cat "$T/out")" "$RFC_ACC
$RACC"
printf '%s\n%s\n' "$RFC_ACC" "$RFC_KEY" | "$W" >"$T/out" 2>"$T/err"
expect_eq "an Accept on stdin: exit 1" "$?" 1
check "an Accept on stdin: named by its line" has "$T/err" "standard input line 1: $RFC_ACC is a Sec-WebSocket-Accept"
expect_eq "an Accept on stdin: the next key computed" "$(cat "$T/out")" "$RFC_ACC"
run --as-is "$RFC_ACC"
expect_eq "--as-is: an Accept is hashed as a key" "$rc $(cat "$T/out")" "0 $(ref_accept "$RFC_ACC")"
check "--as-is: an Accept is warned as one" has "$T/err" "the shape of a Sec-WebSocket-Accept"
# 28 characters that are not the base64 of 20 bytes are not an Accept
run 'dGhlIHNhbXBsZSBub25jZQ==AAA!'
expect_eq "28 characters that are not base64: computed with a warning" "$rc" 0

# keys that are not the base64 of 16 bytes: warned, computed anyway; --strict refuses
for k in AAAA FJ/w1khpoakCbHck/BTE 'dGhlIHNhbXBsZSBub25jZQ' 'not base64!' 'dGhlIHNhbXBsZSBub25jZR=='; do
    run "$k"
    expect_eq "invalid key '$k' exits 0" "$rc" 0
    expect_eq "invalid key '$k' computed like openssl" "$(cat "$T/out")" "$(ref_accept "$k")"
    check "invalid key '$k' warns" has "$T/err" "warning"
    run --strict "$k"
    expect_eq "--strict '$k' exits 1" "$rc" 1
    expect_eq "--strict '$k' prints no Accept" "$(cat "$T/out")" ""
done
run --strict "$RFC_KEY"
expect_eq "--strict with a good key exits 0" "$rc" 0

# an embedded NUL on stdin: warned, hashed with the NUL
printf 'dGhlIHNh\000bXBsZSBub25jZQ==\n' | "$W" >"$T/out" 2>"$T/err"
rc=$?
expect_eq "NUL key exits 0" "$rc" 0
check "NUL key warns" has "$T/err" "NUL"
expect_eq "NUL key hashed with the NUL" "$(cat "$T/out")" \
    "$(printf "dGhlIHNh\\000bXBsZSBub25jZQ==$GUID" | openssl sha1 -binary | base64)"
printf 'dGhlIHNh\000bXBsZSBub25jZQ==\n' | "$W" --strict >"$T/out" 2>"$T/err"
expect_eq "NUL key under --strict exits 1" "$?" 1

# too long
long=$(head -c 9000 /dev/zero | tr '\0' A)
run "$long"
expect_eq "key over WS_KEY_MAX exits 1" "$rc" 1
check "key over WS_KEY_MAX: says so" has "$T/err" "8192"
expect_eq "key over WS_KEY_MAX: no Accept" "$(cat "$T/out")" ""
at_max=$(head -c 8192 /dev/zero | tr '\0' A)
run "$at_max"
expect_eq "key of exactly WS_KEY_MAX bytes is computed" "$(cat "$T/out")" "$(ref_accept "$at_max")"
# one bad key in a list: the others are still printed, the exit says 1
run "$RFC_KEY" "$long" "$RFC_KEY"
expect_eq "list with a too-long key exits 1" "$rc" 1
expect_eq "list with a too-long key: the others printed" "$(cat "$T/out")" "$RFC_ACC
$RFC_ACC"

# long lines on standard input: read up to the limit, the rest counted and skipped, never held
sp=$(head -c 9000 /dev/zero | tr '\0' ' ')
printf '%s\t%s\r\n' "$sp$at_max" "$sp" | "$W" >"$T/out" 2>"$T/err"
expect_eq "stdin: a WS_KEY_MAX key inside 18000 blanks is trimmed and computed" "$(cat "$T/out")" "$(ref_accept "$at_max")"
check "stdin: a WS_KEY_MAX key inside blanks: only the base64 warning, of 8192 bytes" \
    sh -c 'grep -qF "(8192 bytes in all)" "$1" && ! grep -q limit "$1"' sh "$T/err"
printf '%s A %s\n' "$at_max" "$sp" | "$W" >"$T/out" 2>"$T/err"
rc=$?
expect_eq "stdin: WS_KEY_MAX bytes, a blank, one more byte: exit 1" "$rc" 1
check "stdin: the key past the limit by a blank and a byte: its whole length" has "$T/err" \
    "standard input line 1: the key is 8194 bytes, over the 8192-byte limit"
printf '\n%s\n%s\n' "$RFC_KEY" "$long" | "$W" >"$T/out" 2>"$T/err"
rc=$?
expect_eq "stdin: a 9000-byte line exits 1" "$rc" 1
check "stdin: a 9000-byte line names the input, the line number and the length" has "$T/err" \
    "standard input line 3: the key is 9000 bytes, over the 8192-byte limit (WS_KEY_MAX); not computed"
expect_eq "stdin: the key before a long line still computed" "$(cat "$T/out")" "$RFC_ACC"

# peak_rss_kb CMD...: the command's peak resident set in KiB into $T/rss, its stdin passed on
# (/usr/bin/time when installed, else python3's getrusage of the child).
peak_rss_kb() {
    if [ -x /usr/bin/time ]; then
        /usr/bin/time -f %M -o "$T/rss" "$@"
    else
        python3 -c 'import resource, subprocess, sys
rc = subprocess.call(sys.argv[2:])
open(sys.argv[1], "w").write("%d\n" % resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.exit(rc)' "$T/rss" "$@"
    fi
}
if [ -x /usr/bin/time ] || [ "$HAVE_PY" -eq 1 ]; then
    # a 200 MiB line between two keys: reported, skipped, the keys around it computed
    { printf '%s\n' "$RFC_KEY"; head -c 209715200 /dev/zero | tr '\0' A; printf '\n \n%s\n' "$RFC_KEY"; } |
        peak_rss_kb "$W" >"$T/out" 2>"$T/err"
    rc=$?
    expect_eq "stdin: a 200 MiB line exits 1" "$rc" 1
    check "stdin: a 200 MiB line: named with its line number and exact length" has "$T/err" \
        "standard input line 2: the key is 209715200 bytes, over the 8192-byte limit"
    expect_eq "stdin: a 200 MiB line: one message" "$(wc -l <"$T/err" | tr -d ' ')" 1
    expect_eq "stdin: a 200 MiB line: the keys before and after it computed" "$(cat "$T/out")" "$RFC_ACC
$RFC_ACC"
    rss=$(tail -n 1 "$T/rss")
    check "stdin: a 200 MiB line costs under 50 MB of memory (peak RSS ${rss} KiB)" test "${rss:-999999}" -lt 51200
    echo "     peak RSS for a 200 MiB line: ${rss} KiB"
    if [ "$HAVE_PY" -eq 1 ]; then
        head -c 100000 /dev/zero | tr '\0' B | "$W" --json >"$T/out" 2>/dev/null
        check "--json a 100000-byte line: one valid object" json_each "$T/out"
        expect_eq "--json a 100000-byte line: key_length, key_truncated, the key's first WS_KEY_MAX bytes" \
            "$(jget "$T/out" 1 '(o["key_length"], o["key_truncated"], len(o["key"]), o["valid"], "error" in o)')" \
            "(100000, True, 8192, False, True)"
    fi
else
    skip "stdin: a 200 MiB line" "neither /usr/bin/time nor python3 to measure the memory"
fi

# write error
if [ -w /dev/full ]; then
    "$W" "$RFC_KEY" >/dev/full 2>"$T/err"
    expect_eq "write error exits 2" "$?" 2
else
    skip "write error exits 2" "no /dev/full"
fi

# ---- --explain -----------------------------------------------------------------
run --explain "$RFC_KEY"
expect_eq "--explain exits 0" "$rc" 0
check "--explain shows the key" has "$T/out" "$RFC_KEY"
check "--explain shows the GUID" has "$T/out" "$GUID"
check "--explain shows the concatenation" has "$T/out" "$RFC_KEY$GUID"
ref_hex=$(printf '%s' "$RFC_KEY$GUID" | openssl sha1 | sed 's/.*= *//')
check "--explain shows the SHA-1 hex" has "$T/out" "$ref_hex"
check "--explain shows the Accept" has "$T/out" "Sec-WebSocket-Accept: $RFC_ACC"

# explain_pipeline_check KEY: run the one-line pipelines --explain prints and
# compare them with the digest and Accept it shows.
explain_pipeline_check() {
    "$W" --explain "$1" >"$T/ex" 2>/dev/null || return 1
    line=$(grep '^  printf .*| openssl sha1 -binary | base64$' "$T/ex") || return 1
    got=$(sh -c "$line") || return 1
    shown=$(sed -n 's/^ *Sec-WebSocket-Accept: //p' "$T/ex")
    [ -n "$got" ] && [ "$got" = "$shown" ] && [ "$got" = "$(ref_accept "$1")" ] || {
        echo "pipeline gave '$got', --explain shows '$shown'"; return 1; }
    hexline=$(grep '^  printf .*| openssl sha1$' "$T/ex") || return 1
    hexgot=$(sh -c "$hexline" | sed 's/.*= *//')
    grep -q "^     $hexgot\$" "$T/ex" || { echo "hex $hexgot not shown"; return 1; }
}
check "--explain: its printed pipeline gives its Accept (RFC key)" explain_pipeline_check "$RFC_KEY"
check "--explain: its printed pipeline gives its Accept (random key)" explain_pipeline_check "$(openssl rand -base64 16)"
check "--explain: shell quoting of a key with a quote" explain_pipeline_check "it's a \"key\" \$HOME \`x\` %s \\n"

# a key with a NUL on stdin: the printed pipeline uses octal escapes
printf 'ab\000c%%d\n' | "$W" --explain >"$T/ex" 2>/dev/null
line=$(grep '^  printf .*| openssl sha1 -binary | base64$' "$T/ex")
expect_eq "--explain: pipeline for a NUL key" "$(sh -c "$line")" \
    "$(printf "ab\\000c%%d$GUID" | openssl sha1 -binary | base64)"

run --explain AAAA
check "--explain warns about a short key" has "$T/out" "Warning"
run --explain --strict AAAA
expect_eq "--explain --strict AAAA exits 1" "$rc" 1

# ---- --verify ------------------------------------------------------------------
run --verify "$RFC_KEY" "$RFC_ACC"
expect_eq "--verify match exits 0" "$rc" 0
expect_eq "--verify match prints match" "$(cat "$T/out")" "match"
run --verify " $RFC_KEY" "$RFC_ACC
"
expect_eq "--verify trims both" "$rc" 0
run --verify "$RFC_KEY" "$(ref_accept AAAA)"
expect_eq "--verify mismatch exits 1" "$rc" 1
check "--verify mismatch: expected" has "$T/out" "expected: $RFC_ACC"
check "--verify mismatch: given" has "$T/out" "given:    $(ref_accept AAAA)"
run --verify "$RFC_KEY"
expect_eq "--verify with one argument exits 2" "$rc" 2
check "--verify with one argument says what is expected" has "$T/err" "KEY ACCEPT"
run --verify "" "$RFC_ACC"
expect_eq "--verify with an empty key exits 2" "$rc" 2
run --verify --strict AAAA "$(ref_accept AAAA)"
expect_eq "--verify --strict with a short key exits 1" "$rc" 1
run --verify AAAA "$(ref_accept AAAA)"
expect_eq "--verify with a short key still matches" "$rc" 0

# pasted values and swapped arguments
run --verify "Sec-WebSocket-Key: $RFC_KEY" "Sec-WebSocket-Accept: $RFC_ACC"
expect_eq "--verify with header names: match" "$rc $(cat "$T/out")" "0 match"
check "--verify with header names: the note for argument 1" has "$T/err" \
    "argument 1: removed the header name Sec-WebSocket-Key; using $RFC_KEY"
check "--verify with header names: the note for argument 2" has "$T/err" \
    "argument 2: removed the header name Sec-WebSocket-Accept; using $RFC_ACC"
run --verify "\"$RFC_KEY\"," "'$RFC_ACC'"
expect_eq "--verify with quotes: match" "$rc $(cat "$T/out")" "0 match"
for pair in "$RFC_ACC|$RFC_KEY" "\"$RFC_ACC\",|\"$RFC_KEY\"" \
    "Sec-WebSocket-Accept: $RFC_ACC|Sec-WebSocket-Key: $RFC_KEY" "$RACC|$RKEY"; do
    a=${pair%%|*} k=${pair#*|}
    run --verify "$a" "$k"
    expect_eq "--verify swapped [$a] [$k]: match" "$rc $(cat "$T/out")" "0 match"
    check "--verify swapped [$a] [$k]: says they look swapped" has "$T/err" "the arguments look swapped"
    check "--verify swapped [$a] [$k]: says what it checks" grep -qF \
        -e "so this checks: wsaccept --verify $RFC_KEY $RFC_ACC" -e "so this checks: wsaccept --verify $RKEY $RACC" "$T/err"
done
run --verify "$RACC" "$RFC_KEY"
expect_eq "--verify swapped, not a pair: mismatch" "$rc" 1
check "--verify swapped, not a pair: says they look swapped" has "$T/err" "the arguments look swapped"
check "--verify swapped, not a pair: the expected Accept of the key" has "$T/out" "expected: $RFC_ACC"
run --verify "$RFC_ACC" "$RACC"
expect_eq "--verify with two Accepts: exit 1" "$rc" 1
check "--verify with two Accepts: says the key is missing" has "$T/err" \
    "--verify takes the client's Sec-WebSocket-Key first, then the Accept to check"
run --verify "$RFC_KEY" "$RKEY"
expect_eq "--verify with two keys: mismatch" "$rc" 1
check "--verify with two keys: says the second is a key" has "$T/err" "a Sec-WebSocket-Key, not an Accept"
run --verify "$RFC_KEY" "$RFC_ACC"
expect_eq "--verify in order: no note" "$(cat "$T/err")" ""
run --verify --as-is "$RFC_ACC" "$RFC_KEY"
expect_eq "--verify --as-is: not swapped, a mismatch" "$rc" 1
check "--verify --as-is: no swap note" sh -c '! grep -q swapped "$1"' sh "$T/err"

# ---- --new-key -----------------------------------------------------------------
run --new-key
expect_eq "--new-key exits 0" "$rc" 0
k1=$(cat "$T/out")
expect_eq "--new-key is 24 characters" "${#k1}" 24
expect_eq "--new-key decodes to 16 bytes" "$(printf '%s' "$k1" | base64 -d | wc -c | tr -d ' ')" 16
run --strict "$k1"
expect_eq "--new-key passes --strict" "$rc" 0
k2=$("$W" --new-key)
check "--new-key twice differs" test "$k1" != "$k2"
run --new-key extra
expect_eq "--new-key with an argument exits 2" "$rc" 2

# ---- --request -----------------------------------------------------------------
printf 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n' \
    "$RFC_ACC" >"$T/want101"
for f in request-valid-crlf request-valid-lf; do
    run --request "$FX/$f.http"
    expect_eq "$f: exit 0" "$rc" 0
    check "$f: the exact 101 bytes" cmp "$T/out" "$T/want101"
    check "$f: subprotocol note" has "$T/err" "selects none"
done
run --request - <"$FX/request-valid-crlf.http"
check "request on stdin: the exact 101 bytes" cmp "$T/out" "$T/want101"
run --request "$FX/request-keep-alive-upgrade.http"
expect_eq "Connection: keep-alive, Upgrade: exit 0" "$rc" 0
check "Connection: keep-alive, Upgrade: 101" cmp "$T/out" "$T/want101"
expect_eq "no subprotocols: no note" "$(cat "$T/err")" ""

# refusals: fixture, status line, RFC rule on stderr
refused() {
    f=$1 status=$2 rule=$3
    run --request "$FX/$f.http"
    expect_eq "$f: exit 1" "$rc" 1
    expect_eq "$f: status line" "$(head -n 1 "$T/out" | tr -d '\r')" "$status"
    check "$f: rule on stderr" has "$T/err" "$rule"
}
refused request-no-host "HTTP/1.1 400 Bad Request" "4.2.1 item 2"
refused request-no-key "HTTP/1.1 400 Bad Request" "4.2.1 item 5"
refused request-post "HTTP/1.1 400 Bad Request" "4.2.1 item 1"
refused request-version-8 "HTTP/1.1 426 Upgrade Required" "4.2.1 item 6"
check "426 carries Sec-WebSocket-Version: 13" has "$T/out" "Sec-WebSocket-Version: 13"
check "426 response: every line ends in CRLF" all_crlf "$T/out"

run --request "$FX/request-short-key.http"
expect_eq "short key in a request: 101 anyway" "$rc" 0
check "short key in a request: warning" has "$T/err" "warning"
expect_eq "short key in a request: Accept of the key as sent" \
    "$(sed -n 's/^Sec-WebSocket-Accept: //p' "$T/out" | tr -d '\r')" "$(ref_accept AAAA)"
run --request "$FX/request-short-key.http" --strict
expect_eq "short key in a request under --strict: exit 1" "$rc" 1
expect_eq "short key under --strict: 400" "$(head -n 1 "$T/out" | tr -d '\r')" "HTTP/1.1 400 Bad Request"

# keys pasted into a request: the same rules
# req_with VALUE [VERSION]: a request whose Sec-WebSocket-Key header holds VALUE
req_with() {
    printf 'GET /chat HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: %s\r\n\r\n' "$1" "${2:-13}"
}
for v in "\"$RFC_KEY\"" "'$RFC_KEY'," "Sec-WebSocket-Key: $RFC_KEY" "sec-websocket-key:\"$RFC_KEY\""; do
    req_with "$v" | "$W" --request - >"$T/out" 2>"$T/err"
    rc=$?
    expect_eq "request with key [$v]: 101" "$rc" 0
    check "request with key [$v]: the Accept of the key inside" cmp "$T/out" "$T/want101"
    check "request with key [$v]: the note" has "$T/err" "the request's Sec-WebSocket-Key: removed"
    check "request with key [$v]: a real server would differ" has "$T/err" "a real server would hash the value as sent"
    check "request with key [$v]: no base64 warning" sh -c '! grep -q warning "$1"' sh "$T/err"
    req_with "$v" | "$W" --strict --request - >"$T/out" 2>"$T/err"
    expect_eq "request with key [$v] under --strict: 101" "$?" 0
done
req_with "\"$RFC_KEY\"" | "$W" --as-is --request - >"$T/out" 2>"$T/err"
expect_eq "request with a quoted key, --as-is: 101 anyway" "$?" 0
expect_eq "request with a quoted key, --as-is: the Accept of the value as sent" \
    "$(sed -n 's/^Sec-WebSocket-Accept: //p' "$T/out" | tr -d '\r')" "$(ref_accept "\"$RFC_KEY\"")"
check "request with a quoted key, --as-is: warned" has "$T/err" "warning"
for v in "$RFC_ACC" "\"$RFC_ACC\""; do
    req_with "$v" | "$W" --request - >"$T/out" 2>"$T/err"
    rc=$?
    expect_eq "request with an Accept as key [$v]: exit 1" "$rc" 1
    expect_eq "request with an Accept as key [$v]: 400" "$(head -n 1 "$T/out" | tr -d '\r')" "HTTP/1.1 400 Bad Request"
    check "request with an Accept as key [$v]: the rule" has "$T/err" \
        "refused with 400: RFC 6455 §4.2.1 item 5: the Sec-WebSocket-Key is a Sec-WebSocket-Accept"
    check "request with an Accept as key [$v]: what to do" has "$T/err" "wsaccept --new-key makes one"
done
req_with "$RFC_ACC" 8 | "$W" --request - >"$T/out" 2>"$T/err"
expect_eq "request with an Accept as key and version 8: the key's rule first (400)" \
    "$(head -n 1 "$T/out" | tr -d '\r')" "HTTP/1.1 400 Bad Request"
req_with "$RFC_ACC" | "$W" --as-is --request - >"$T/out" 2>"$T/err"
expect_eq "request with an Accept as key, --as-is: 101 as a lenient server" "$(head -n 1 "$T/out" | tr -d '\r')" \
    "HTTP/1.1 101 Switching Protocols"

run --request "$FX/request-no-blank-line.http"
expect_eq "request without the closing blank line: 101" "$rc" 0
check "request without the closing blank line: note" has "$T/err" "empty line"

run --request "$FX/not-http.txt"
expect_eq "not an HTTP request: exit 1" "$rc" 1
check "not an HTTP request: the parser's reason" has "$T/err" "not an HTTP request:"
run --request /dev/null
expect_eq "empty request file: exit 1" "$rc" 1
run --request "$T/no-such-file"
expect_eq "unreadable file: exit 2" "$rc" 2
check "unreadable file: named" has "$T/err" "$T/no-such-file"
run --request "$T"
expect_eq "a directory: exit 2" "$rc" 2
run --request "$FX/request-valid-crlf.http" extra
expect_eq "--request with a stray argument: exit 2" "$rc" 2

# ---- --json --------------------------------------------------------------------
if [ "$HAVE_PY" -eq 1 ]; then
    run --json "$RFC_KEY" AAAA
    check "--json keys: one valid object per line" json_each "$T/out"
    expect_eq "--json keys: two lines" "$(wc -l <"$T/out" | tr -d ' ')" 2
    expect_eq "--json accept" "$(jget "$T/out" 1 'o["accept"]')" "$RFC_ACC"
    expect_eq "--json valid" "$(jget "$T/out" 1 'o["valid"]')" "True"
    expect_eq "--json invalid key: valid false" "$(jget "$T/out" 2 'o["valid"]')" "False"
    expect_eq "--json invalid key: decoded_length" "$(jget "$T/out" 2 'o["decoded_length"]')" 3
    expect_eq "--json invalid key: accept" "$(jget "$T/out" 2 'o["accept"]')" "$(ref_accept AAAA)"

    printf 'a"b\\c\001\000\n' | "$W" --json >"$T/out" 2>/dev/null
    check "--json escapes quotes, backslashes and control bytes" json_each "$T/out"
    expect_eq "--json escaped key round-trips" "$(jget "$T/out" 1 'repr(o["key"])')" "'a\"b\\\\c\\x01\\x00'"
    printf 'caf\303\251 \377\n' | "$W" --json >"$T/out" 2>/dev/null
    check "--json: UTF-8 and stray bytes" json_each "$T/out"

    run --json "$long"
    check "--json too-long key: an error object" json_each "$T/out"
    check "--json too-long key: error field" test "$(jget "$T/out" 1 '"error" in o')" = True
    expect_eq "--json too-long argument: the whole key, no key_truncated" \
        "$(jget "$T/out" 1 '(o["key_length"], len(o["key"]), "key_truncated" in o)')" "(9000, 9000, False)"

    run --json "\"key\":\"$RFC_KEY\"," "$RFC_KEY"
    check "--json pasted: valid JSON" json_each "$T/out"
    expect_eq "--json pasted: the key, what was removed, as pasted, the Accept" \
        "$(jget "$T/out" 1 '(o["key"], o["removed"], o["as_pasted"], o["accept"])')" \
        "('$RFC_KEY', ['name', 'double_quotes', 'trailing_comma'], '\"key\":\"$RFC_KEY\",', '$RFC_ACC')"
    expect_eq "--json a bare key: no removed field" "$(jget "$T/out" 2 '"removed" in o or "as_pasted" in o')" "False"
    run --json "$RFC_ACC"
    check "--json an Accept as key: valid JSON" json_each "$T/out"
    expect_eq "--json an Accept as key: is_accept, no accept" \
        "$(jget "$T/out" 1 '(o["valid"], o["is_accept"], "accept" in o, "error" in o)')" "(False, True, False, True)"
    run --json --explain "'$RFC_KEY'"
    expect_eq "--json --explain pasted: concatenated without the quotes" \
        "$(jget "$T/out" 1 'o["concatenated"]')" "$RFC_KEY$GUID"
    expect_eq "--json --explain pasted: removed" "$(jget "$T/out" 1 'o["removed"]')" "['single_quotes']"
    run --json --verify "$RFC_ACC" "$RFC_KEY"
    expect_eq "--json --verify swapped" "$(jget "$T/out" 1 '(o["key"], o["given"], o["match"], o["swapped"])')" \
        "('$RFC_KEY', '$RFC_ACC', True, True)"
    req_with "Sec-WebSocket-Key: $RFC_KEY" | "$W" --json --request - >"$T/out" 2>/dev/null
    expect_eq "--json --request pasted key: as sent, removed, hashed, Accept" \
        "$(jget "$T/out" 1 '(o["key"], o["key_removed"], o["key_hashed"], o["accept"])')" \
        "('Sec-WebSocket-Key: $RFC_KEY', ['name'], '$RFC_KEY', '$RFC_ACC')"
    req_with "$RFC_ACC" | "$W" --json --request - >"$T/out" 2>/dev/null
    expect_eq "--json --request an Accept as key: rule bad_key, 400" \
        "$(jget "$T/out" 1 '(o["rule"], o["status"])')" "('bad_key', 400)"

    run --json --explain "$RFC_KEY"
    check "--json --explain: valid JSON" json_each "$T/out"
    expect_eq "--json --explain sha1_hex" "$(jget "$T/out" 1 'o["sha1_hex"]')" "$ref_hex"
    expect_eq "--json --explain concatenated" "$(jget "$T/out" 1 'o["concatenated"]')" "$RFC_KEY$GUID"
    expect_eq "--json --explain shell line runs" "$(sh -c "$(jget "$T/out" 1 'o["shell"]')")" "$RFC_ACC"

    run --json --verify "$RFC_KEY" nope
    expect_eq "--json --verify mismatch exits 1" "$rc" 1
    check "--json --verify: valid JSON" json_each "$T/out"
    expect_eq "--json --verify match false" "$(jget "$T/out" 1 'o["match"]')" "False"
    expect_eq "--json --verify expected" "$(jget "$T/out" 1 'o["expected"]')" "$RFC_ACC"

    run --json --new-key
    check "--json --new-key: valid JSON" json_each "$T/out"
    expect_eq "--json --new-key: bytes match key" \
        "$(jget "$T/out" 1 'o["key"]' | base64 -d | od -An -tx1 | tr -d ' \n')" "$(jget "$T/out" 1 'o["bytes_hex"]')"

    run --json --request "$FX/request-valid-crlf.http"
    check "--json --request: valid JSON" json_each "$T/out"
    expect_eq "--json --request status" "$(jget "$T/out" 1 'o["status"]')" 101
    expect_eq "--json --request response bytes" "$(jget "$T/out" 1 'repr(o["response"])')" \
        "$(python3 -c 'import sys; print(repr(open(sys.argv[1], newline="").read()))' "$T/want101")"
    expect_eq "--json --request subprotocols" "$(jget "$T/out" 1 'o["subprotocols"]')" "chat, superchat"
    run --json --request "$FX/request-version-8.http"
    expect_eq "--json --request refused exits 1" "$rc" 1
    expect_eq "--json --request rule" "$(jget "$T/out" 1 'o["rule"]')" "bad_version"
    expect_eq "--json --request section" "$(jget "$T/out" 1 'o["section"]')" "RFC 6455 §4.2.1 item 6"
    run --json --request "$FX/not-http.txt"
    check "--json --request parse error: valid JSON" json_each "$T/out"
    expect_eq "--json --request parse error: ok false" "$(jget "$T/out" 1 'o["ok"]')" "False"
else
    skip "--json checks" "python3 not installed"
fi

# ---- man page ------------------------------------------------------------------
if command -v groff >/dev/null 2>&1; then
    groff -man -Tutf8 -ww -z man/wsaccept.1 >"$T/groff" 2>&1
    expect_eq "man page renders without groff warnings" "$(cat "$T/groff")" ""
    for sec in NAME SYNOPSIS DESCRIPTION OPTIONS "EXIT STATUS" EXAMPLES "SEE ALSO"; do
        check "man page has $sec" grep -q "^\\.SH \"*$sec\"*\$" man/wsaccept.1
    done
else
    skip "man page renders" "groff not installed"
fi

finish
