#!/bin/bash
# Acceptance: `pack dist NAME` takes an import name when no distribution has
# that name (Debian's h5py is the distribution h5py.-debian-h5py-serial) and
# says which distribution it took; an unknown name fails, naming it, and
# leaves no output. Naming the distribution and its import package, in
# either order, gives the same members (the import package's own files once).
. "$(dirname "$0")/lib.sh"

run_pybcast pack dist pbtest-no-such-thing --python "$PY" -o none.tar.zst
[ "$STATUS" = 1 ] || fail "unknown name exited $STATUS"
expect_in stderr "pbtest-no-such-thing"
[ ! -e none.tar.zst ] || fail "a failed pack left none.tar.zst"
ls -A | grep -q none.tar.zst && fail "a failed pack left a temporary file: $(ls -A)"

"$PY" -c 'import h5py' 2>/dev/null || skip "python3-h5py is not installed"
ok pack dist h5py --python "$PY" -o h5py.tar.zst
expect_in stderr "h5py: no distribution has that name; packing "
expect_in stderr "h5py.-debian-h5py-serial"
expect_member h5py.tar.zst lib/python3/dist-packages/h5py/__init__.py
ok inspect h5py.tar.zst
expect_in stdout "h5py.-debian-h5py-serial"
mkdir X
tar -xf h5py.tar.zst -C X
"$PY" -c 'import sys; sys.path.insert(0, sys.argv[1]); import h5py; assert h5py.__file__.startswith(sys.argv[1]), h5py.__file__' \
  "$SCRATCH/X/lib/python3/dist-packages" >import.out 2>&1 || fail "import h5py from the bundle: $(cat import.out)"

# Both orders: the same members, __init__.py included.
ok pack dist h5py._debian_h5py_serial h5py --python "$PY" -o first.tar.zst
ok pack dist h5py h5py._debian_h5py_serial --python "$PY" -o second.tar.zst
expect_member first.tar.zst lib/python3/dist-packages/h5py/__init__.py
diff <(members first.tar.zst | sort) <(members second.tar.zst | sort) >order.diff ||
  fail "the order of names changes the members: $(head -5 order.diff)"
[ "$(members first.tar.zst | sort | uniq -d | wc -l)" = 0 ] || fail "a member is packed twice: $(members first.tar.zst | sort | uniq -d | head -3)"
