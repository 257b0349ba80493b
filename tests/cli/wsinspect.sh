#!/bin/sh
# wsinspect.sh - the wsinspect program's ($WSINSPECT) handling of its input files, run from the repository root:
# what --keylog refuses (exit 2, naming the file), what it reads with a warning, and what it reads quietly.
# The captures' own decoding is tested in tests/e2e/.
set -u
. tests/lib.sh

W=${WSINSPECT:-build/wsinspect}
C=captures
T=$(mktemp -d)
trap 'rm -rf "$T" "$_out"' EXIT

if [ ! -x "$W" ]; then
    echo "wsinspect: $W is not built"
    _bad "program built" "$W missing"
    finish
    exit 1
fi

# A TLS 1.3 wss:// capture and the key log its client wrote.
CAP=$C/wss-tls13-python.pcap
KEYS=$C/wss-tls13-python.keylog
CR=$(awk '$1 == "CLIENT_TRAFFIC_SECRET_0" { print $2; exit }' "$KEYS")

# run OPTION...: wsinspect on the capture; stdout to $T/out, stderr to $T/err, the exit status in $rc.
run() { "$W" "$@" "$CAP" >"$T/out" 2>"$T/err"; rc=$?; }
has() { grep -qF -- "$2" "$1"; }
# decrypted: the --json output in $T/out says the connection was decrypted (true) or not (false).
decrypted() { grep -o '"tls_decrypted":[a-z]*' "$T/out" | head -n 1 | sed 's/.*://'; }

USABLE="the file holds no usable line (one is LABEL <64 hex digits> <hex secret>, LABEL such as CLIENT_RANDOM"

# ---- a key log with lines and none usable: an input error in every output mode --------------------
printf '# written by another tool\nRSA 0123 4567\nCLIENT_RANDOM %s\nhello world\n' "$CR" >"$T/none.log"
for mode in "" --json --summary; do
    run $mode --keylog "$T/none.log"
    m=${mode:-ladder}
    expect_eq "no usable line ($m): exit 2" "$rc" 2
    expect_eq "no usable line ($m): nothing on stdout" "$(cat "$T/out")" ""
    check "no usable line ($m): names the file, the first unusable line and what a usable line is" has "$T/err" \
        "wsinspect: $T/none.log:2: the label RSA is not one used here; $USABLE"
done

# malformed lines only (the client random cut short): the first one is named
printf 'CLIENT_RANDOM %s %s\nSERVER_TRAFFIC_SECRET_0 zz\n' "$(printf '%s' "$CR" | cut -c 1-60)" "$CR" >"$T/bad.log"
run --keylog "$T/bad.log"
expect_eq "malformed lines only: exit 2" "$rc" 2
check "malformed lines only: the file, line 1 and why" has "$T/err" \
    "wsinspect: $T/bad.log:1: the client random is not 64 hex digits; $USABLE"

# the captures' text is not a key log
run --keylog "$C/README.md"
expect_eq "a text file as the key log: exit 2" "$rc" 2
check "a text file as the key log: named" has "$T/err" "wsinspect: $C/README.md:"
check "a text file as the key log: says it holds no usable line" has "$T/err" "the file holds no usable line"

# ---- no line at all but comments and blank lines: read, with a warning; nothing is decrypted ----------
: >"$T/empty.log"
printf '# SSL/TLS secrets log file\n\n  \r\n' >"$T/comments.log"
for f in empty comments; do
    run --json --keylog "$T/$f.log"
    expect_eq "$f key log: exit 0" "$rc" 0
    expect_eq "$f key log: one warning, naming the file" "$(cat "$T/err")" \
        "wsinspect: $T/$f.log: no key line yet (the file is empty or holds only comments and blank lines): sessions are decrypted once a client writes their lines to it"
    expect_eq "$f key log: the connection is not decrypted" "$(decrypted)" false
done

# ---- usable lines: read; malformed and other lines beside them only warned about ----------------------
run --json --keylog "$KEYS"
expect_eq "the client's key log: exit 0" "$rc" 0
expect_eq "the client's key log: nothing on stderr" "$(cat "$T/err")" ""
expect_eq "the client's key log: decrypted" "$(decrypted)" true
{ cat "$T/none.log"; cat "$KEYS"; } >"$T/mixed.log"
run --json --keylog "$T/mixed.log"
expect_eq "usable lines after unusable ones: exit 0" "$rc" 0
expect_eq "usable lines after unusable ones: decrypted" "$(decrypted)" true
expect_eq "usable lines after unusable ones: one warning, the first malformed line" "$(cat "$T/err")" \
    "wsinspect: $T/mixed.log:3: fewer than 3 fields (expected LABEL CLIENT_RANDOM SECRET) (2 malformed lines skipped)"

# ---- a key log that cannot be read ------------------------------------------------------------------
run --keylog "$T/no-such.log"
expect_eq "a missing key log: exit 2" "$rc" 2
check "a missing key log: named" has "$T/err" "wsinspect: $T/no-such.log: "

# ---- -B, -w, -D and live captures: what the command line refuses, what -w saves, what -D lists -----------
C2=$C/chat-python.pcap
for bad in 0 abc 2G -5 64X 2097152; do
    "$W" -i lo -B "$bad" >"$T/out" 2>"$T/err"; rc=$?
    expect_eq "-B $bad: exit 2" "$rc" 2
    check "-B $bad: says what a size is" has "$T/err" "wsinspect: -B: '$bad' is not a buffer size from 1 KiB to 2 GiB - 1"
done
"$W" -B 64M "$C2" >"$T/out" 2>"$T/err"; rc=$?
expect_eq "-B with a file: exit 2" "$rc" 2
check "-B with a file: says -B is for live captures" has "$T/err" "wsinspect: -B sets the kernel's buffer of a live capture (-i IFACE); a file has none"
"$W" -w - "$C2" >"$T/out" 2>"$T/err"; rc=$?
expect_eq "-w -: exit 2" "$rc" 2
check "-w -: says why" has "$T/err" "wsinspect: -w: give a file name: standard output carries wsinspect's own output"
cp "$C2" "$T/same.pcap"
"$W" -w "$T/same.pcap" "$T/same.pcap" >"$T/out" 2>"$T/err"; rc=$?
expect_eq "-w the file being read: exit 2" "$rc" 2
check "-w the file being read: refused, the file intact" cmp "$T/same.pcap" "$C2"
"$W" -w /nonexistent-dir/copy.pcap "$C2" >"$T/out" 2>"$T/err"; rc=$?
expect_eq "-w into a missing folder: exit 2" "$rc" 2
check "-w into a missing folder: names the file and why" has "$T/err" \
    "wsinspect: -w /nonexistent-dir/copy.pcap: cannot save the packets there: No such file or directory"
if [ -w /dev/full ]; then
    "$W" -w /dev/full "$C2" >"$T/out" 2>"$T/err"; rc=$?
    expect_eq "-w on a full disk: exit 2" "$rc" 2
    check "-w on a full disk: names the file and why" has "$T/err" "wsinspect: -w /dev/full: writing the saved packets: No space left on device"
fi

# a filtered copy: the client's packets only, read again they are the same
"$W" --json "$C2" src port 40976 >"$T/direct.json" 2>/dev/null; direct=$?
"$W" --json -w "$T/copy.pcap" "$C2" src port 40976 >"$T/out" 2>"$T/err"; rc=$?
expect_eq "-w with -r and a filter: the exit status is the same as without -w (1: no response seen)" "$rc:$direct" 1:1
check "-w with -r and a filter: the output is the same as without -w" cmp "$T/out" "$T/direct.json"
expect_eq "-w with -r and a filter: the count said" "$(cat "$T/err")" "wsinspect: 9 packets saved to $T/copy.pcap"
"$W" --json "$T/copy.pcap" >"$T/copy.json" 2>/dev/null
expect_eq "-w copy read again: the same client messages" \
    "$(grep -c '"type":"message".*"dir":"c2s"' "$T/copy.json")" "$(grep -c '"type":"message".*"dir":"c2s"' "$T/direct.json")"
"$W" --json "$T/copy.pcap" src port 40976 >"$T/copy2.json" 2>/dev/null
check "-w copy read again: every packet passes the filter" sh -c \
    "[ \"\$(grep -c '\"type\":\"message\"' '$T/copy2.json')\" = \"\$(grep -c '\"type\":\"message\"' '$T/copy.json')\" ]"

# -D: as tcpdump -D lists them
"$W" -D >"$T/out" 2>"$T/err"; rc=$?
expect_eq "-D: exit 0" "$rc" 0
check "-D: numbered lines: N.NAME [(DESCRIPTION)] [FLAGS]" sh -c "grep -Evq '^[0-9]+\.[^ ]+( \(.*\))? \[[A-Za-z, ]+\]\$' '$T/out' && exit 1; test -s '$T/out'"
check "-D: lo is there, a loopback" grep -Eq '^[0-9]+\.lo \[.*Loopback\]$' "$T/out"
if command -v tcpdump >/dev/null 2>&1; then
    tcpdump -D >"$T/tcpdump-D" 2>/dev/null
    check "-D: the same list as tcpdump -D" cmp "$T/out" "$T/tcpdump-D"
else
    skip "-D: the same list as tcpdump -D" "tcpdump is not installed"
fi
n=$(sed -n 's/^\([0-9]*\)\.lo .*/\1/p' "$T/out")
"$W" -i 99999 >"$T/out" 2>"$T/err"; rc=$?
expect_eq "-i 99999 (no such interface): exit 2" "$rc" 2
check "-i 99999: names it and points to -D" sh -c "grep -q '^wsinspect: 99999: ' '$T/err' && grep -q \"'wsinspect -D' lists the interfaces\" '$T/err'"

# No permission: as an unprivileged user (lo given by its -D number, as tcpdump allows), the three
# ways out, with this program's real path
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null 2>&1 && setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null; then
    asuser() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
elif [ "$(id -u)" -ne 0 ]; then
    asuser() { "$@"; }
else
    asuser=""
fi
if ! command -v asuser >/dev/null 2>&1; then
    skip "no permission to capture" "root here, and setpriv cannot make this process another user"
elif ! asuser "$W" --version >/dev/null 2>&1; then
    skip "no permission to capture" "the unprivileged user cannot run $W (its folders are closed to it)"
else
    asuser "$W" -i "${n:-lo}" --json tcp port 8080 >"$T/out" 2>"$T/err"; rc=$?
    if [ "$rc" -eq 0 ] || grep -q "listening on" "$T/err"; then
        skip "no permission to capture" "this user may capture here (the program has the capabilities)"
    else
        expect_eq "no permission: exit 2" "$rc" 2
        self=$(readlink -f "$W")
        check "no permission: libpcap's reason, naming the interface" grep -q "^wsinspect: lo: .*permission" "$T/err"
        check "no permission: 1. sudo, with the same arguments" has "$T/err" "       sudo $self -i ${n:-lo} --json tcp port 8080"
        check "no permission: 2. the setcap command for this program" has "$T/err" "       sudo setcap cap_net_raw,cap_net_admin=eip $self"
        check "no permission: 3. tcpdump to a file, then read it" has "$T/err" "       sudo tcpdump -i lo -w class.pcap 'tcp port 8080'"
        check "no permission: 3. ...then read it" has "$T/err" "       wsinspect class.pcap"
    fi
fi

# ---- the man page says it ------------------------------------------------------------------------------
check "wsinspect(1): a key log with no usable line is an input error" grep -q "no usable line" man/wsinspect.1
check "wsinspect(1): an empty key log is read with a warning" grep -q "holds only comments and blank lines" man/wsinspect.1

finish
