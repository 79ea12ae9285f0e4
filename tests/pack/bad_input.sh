#!/bin/bash
# Acceptance: bad input gives one clear error line, exit status 1, and no
# output file (nor a temporary one) left behind; an existing output survives.
. "$(dirname "$0")/lib.sh"

mkdir out P
echo 'x = 1' >P/mod.py

# expect_failure MESSAGE PYBCAST-ARGS...: fails with MESSAGE, writes nothing into out/.
expect_failure() {
  local message=$1
  shift
  run_pybcast "$@"
  [ "$STATUS" = 1 ] || fail "pybcast $* exited $STATUS, expected 1"
  [ "$(wc -l <stderr)" = 1 ] || fail "pybcast $*: expected one line on stderr, got: $(cat stderr)"
  expect_in stderr "pybcast: error: $message"
  [ -z "$(ls -A out)" ] || fail "pybcast $* left files behind: $(ls -A out)"
}

# A python that does not run, fails, or is not a python.
expect_failure "cannot run '$SCRATCH/nothing/python3': No such file or directory" \
  pack python --python "$SCRATCH/nothing/python3" -o out/b.tar.zst
expect_failure "python '/bin/false' failed (exit status 1)" pack python --python /bin/false -o out/b.tar.zst
printf '#!/bin/sh\necho hello\n' >fake-python
chmod +x fake-python
expect_failure "python './fake-python' printed unexpected output" pack dist numpy --python ./fake-python -o out/b.tar.zst

# A distribution that is not installed.
expect_failure "distributions not installed for python '$PY': pbtest-nothing, pbtest-nothing-either" \
  pack dist pbtest-nothing pbtest-nothing-either --python "$PY" -o out/b.tar.zst

# An output that cannot be written.
expect_failure "cannot write $SCRATCH/nowhere/b.tar.zst: No such file or directory" \
  pack dir P -o "$SCRATCH/nowhere/b.tar.zst"
touch notadir
expect_failure "cannot write notadir/b.tar.zst: Not a directory" pack dir P -o notadir/b.tar.zst
expect_failure "cannot write out: it is a directory" pack dir P -o out

# A symlink loop inside a prefix, and a prefix that is one.
mkdir L
echo data >L/file
ln -s b L/a
ln -s a L/b
expect_failure "symlink loop: L/a -> b" pack dir L -o out/b.tar.zst
ln -s self self
expect_failure "symlink loop: self" pack dir self -o out/b.tar.zst

# Other refusals.
expect_failure "P is neither a venv (no pyvenv.cfg) nor a conda environment" pack env P -o out/b.tar.zst
expect_failure "--level 42: zstd takes 1 to" pack dir P --level 42 -o out/b.tar.zst
expect_failure "pip install failed (exit status 1): ERROR: No matching distribution found for pbtest-nothing" \
  pack pip --python "$PY" -o out/b.tar.zst -- --no-index pbtest-nothing

# A failed pack leaves an existing bundle as it was.
echo previous >out/b.tar.zst
run_pybcast pack dir L -o out/b.tar.zst
[ "$STATUS" = 1 ] || fail "pack of a looping prefix succeeded"
[ "$(cat out/b.tar.zst)" = previous ] || fail "a failed pack replaced the existing output"
[ "$(ls -A out)" = b.tar.zst ] || fail "temporary files left: $(ls -A out)"

# Interrupted (Ctrl-C) while the python is being asked: the temporary file goes too.
printf '#!/bin/sh\nexec sleep 3\n' >slow-python
chmod +x slow-python
rm -f out/b.tar.zst
"$PYBCAST" pack python --python ./slow-python -o out/b.tar.zst 2>/dev/null &
pid=$!
for _ in $(seq 100); do
  [ -n "$(ls -A out)" ] && break
  sleep 0.05
done
[ -n "$(ls -A out)" ] || fail "no temporary output appeared"
kill -INT $pid
wait $pid && fail "an interrupted pack exited 0" || true
[ -z "$(ls -A out)" ] || fail "an interrupted pack left files behind: $(ls -A out)"
