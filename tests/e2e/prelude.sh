# prelude.sh - what every e2e suite does first, sourced after tests/lib.sh with $T (a scratch folder),
# $W and $A (wsinspect, wsaccept) set: check the programs are built, then work on snapshots of them
# (a rebuild in the same tree while a suite runs must not pull a binary from under it; a half-linked
# file is retried for a few seconds). Sets PY (a python3) and HAVE_TSHARK (0 or 1).
# e2e_programs returns 1, having said why, when the programs are missing.

snapshot() {
    for _try in 1 2 3 4 5 6 7 8 9 10; do
        if cp "$1" "$T/$2" 2>/dev/null && "$T/$2" --version >/dev/null 2>&1; then
            echo "$T/$2"
            return 0
        fi
        sleep 1
    done
    echo "$1"
}

e2e_programs() {
    if [ ! -x "$W" ] || [ ! -x "$A" ]; then
        _bad "programs built" "$W or $A is missing (make all)"
        return 1
    fi
    W=$(snapshot "$W" wsinspect)
    A=$(snapshot "$A" wsaccept)
    PY=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null)
    [ -n "$PY" ] && [ -x "$PY" ] || PY=python3
    HAVE_TSHARK=0
    command -v tshark >/dev/null 2>&1 && HAVE_TSHARK=1
    return 0
}
