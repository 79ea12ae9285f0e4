# The helpers every script test shares (tests/*/ source this, directly or
# through tests/lib/mpi.sh): fail, skip, a scratch directory removed on exit.
# The binaries under test come from the environment (PYBCAST, PYTHON_MPI),
# which tests/cmake/PybcastScriptTest.cmake sets from PYBCAST_TEST_BIN_DIR.

# TESTS_ROOT: tests/; REPO: the repository (tests read only this and ../shared).
TESTS_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REPO=$(cd "$TESTS_ROOT/.." && pwd)

# fail MESSAGE: the test fails (exit 1) with MESSAGE on stderr.
fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# skip REASON: CTest's skip convention here, exit 77 (tests registered with
# CAN_SKIP carry SKIP_RETURN_CODE 77).
skip() {
  echo "SKIP: $*"
  exit 77
}

# make_scratch TEMPLATE: SCRATCH, a new directory (mktemp -d TEMPLATE), removed
# on exit (made writable first: tests make read-only trees) unless NO_TRAP is
# given, for callers that install a cleanup trap of their own.
make_scratch() {
  SCRATCH=$(mktemp -d "$1")
  [ "${2:-}" = NO_TRAP ] || trap scratch_cleanup EXIT
}
scratch_cleanup() {
  chmod -R u+rwX "$SCRATCH" 2>/dev/null || true
  rm -rf "$SCRATCH"
}

# user_with_fuse DIR: sets FUSE_USER to a command prefix that runs its arguments
# as user nobody (HOME=DIR) in a private mount namespace where /dev/fuse is a
# fresh node of the FUSE device open to all (mode 0666, as Debian's udev makes
# it): an unprivileged user who mounts through the setuid fusermount3, as
# users on clusters do, whatever this machine's /dev/fuse allows (issue 29).
# Needs root, unshare, setpriv and fusermount3; returns 1 (FUSE_USER empty) where they are missing.
user_with_fuse() {
  FUSE_USER=""
  [ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null && command -v setpriv >/dev/null &&
    command -v fusermount3 >/dev/null || return 1
  local device=$1/fuse-device
  rm -f "$device" && mknod -m 666 "$device" c 10 229 || return 1
  cat >"$1/fuse-user" <<SCRIPT
#!/bin/sh
exec unshare --mount --propagation private -- /bin/sh -c \
  'mount --bind "$device" /dev/fuse && exec setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME="\$0" "\$@"' "$1" "\$@"
SCRIPT
  chmod 755 "$1/fuse-user"
  "$1/fuse-user" test -r /dev/fuse -a -w /dev/fuse || return 1
  FUSE_USER=$1/fuse-user
}

# user_without_fuse DIR: sets NO_FUSE_USER to a command prefix that runs its
# arguments as user nobody (HOME=DIR) in a private mount namespace where
# /dev/fuse is a root-owned mode-000 file: a real user without FUSE access,
# whatever this machine's /dev/fuse allows (issue 29). Needs root, unshare
# and setpriv; returns 1 (NO_FUSE_USER empty) where they are missing.
user_without_fuse() {
  NO_FUSE_USER=""
  [ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null && command -v setpriv >/dev/null || return 1
  local deny=$1/no-fuse-device
  : >"$deny" && chmod 000 "$deny"
  cat >"$1/no-fuse-user" <<SCRIPT
#!/bin/sh
exec unshare --mount --propagation private -- /bin/sh -c \
  'mount --bind "$deny" /dev/fuse && exec setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME="\$0" "\$@"' "$1" "\$@"
SCRIPT
  chmod 755 "$1/no-fuse-user"
  "$1/no-fuse-user" true && ! "$1/no-fuse-user" test -r /dev/fuse -o -w /dev/fuse || return 1
  NO_FUSE_USER=$1/no-fuse-user
}
