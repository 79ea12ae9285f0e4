#!/bin/bash
# The progress line appears on a terminal only; the summary line always.
. "$(dirname "$0")/lib.sh"
command -v script >/dev/null || skip "no script(1) to fake a terminal"

mkdir -p P/pkg
head -c 2000000 /dev/urandom >P/pkg/blob
echo 'x = 1' >P/pkg/mod.py
ok pack dir P -o quiet.tar.zst
expect_in stderr "pybcast: wrote quiet.tar.zst: 2 files, 1.91 MiB -> "
! grep -q $'\r' stderr || fail "progress drawn on a non-terminal"

script -qec "'$PYBCAST' pack dir P -o tty.tar.zst" /dev/null >tty.out 2>&1 || fail "pack on a terminal: $(cat tty.out)"
expect_in tty.out "files, "
expect_in tty.out "ETA"
expect_in tty.out "pybcast: wrote tty.tar.zst: 2 files"
