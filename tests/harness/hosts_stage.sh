#!/bin/bash
# 4 pretend hosts x 2 ranks, production topology (no --virtual-nodes): pybcast
# finds the 4 nodes through MPI_Comm_split_type and extracts once per node into
# that host's own /dev/shm; every node's tree equals `tar -x` of the bundles; a
# second run hits on all 4; a node that lost its cache extracts alone.
. "$(dirname "$0")/hosts_lib.sh"
cp "$BUNDLES/numpy.tar.gz" "$BUNDLES/python3.11.tar.zst" "$PKGROOT/"
up_or_skip 4 --slots 2

stage_hosts numpy.tar.gz python3.11.tar.zst
expect_out "pybcast stage report: 8 ranks on 4 nodes, cache 0 hit / 4 extracted"
expect_out "nodes: 0:extracted 1:extracted 2:extracted 3:extracted"
cold=$ELAPSED

mkdir "$SCRATCH/ref"
tar -C "$SCRATCH/ref" -xzf "$PKGROOT/numpy.tar.gz"
tar -C "$SCRATCH/ref" --zstd -xf "$PKGROOT/python3.11.tar.zst"
as_published "$SCRATCH/ref"
tree_listing_any_fs "$SCRATCH/ref" >"$SCRATCH/ref.list"
[ "$(wc -l <"$SCRATCH/ref.list")" -gt 1000 ] || fail "reference tree is unexpectedly small"
key=$(common_key)
for h in "${PBH_HOSTS[@]}"; do
  entry=$(host_entry "$h")
  tree_listing_any_fs "$entry" >"$SCRATCH/$h.list"
  diff -u "$SCRATCH/ref.list" "$SCRATCH/$h.list" >"$SCRATCH/diff" || fail "$h metadata differs: $(head -20 "$SCRATCH/diff")"
  diff -r --no-dereference -x .pybcast "$SCRATCH/ref" "$entry" >/dev/null || fail "$h contents differ"
done
expect_no_leftovers_on_hosts
# Rank 0 prints its prefix as its host sees it; nothing went to the machine's own /dev/shm.
grep -qx "/dev/shm/pybcast-$(id -u)/cache/$key" "$SCRATCH/out" || fail "rank 0 did not print its node-local prefix"
[ ! -e "/dev/shm/pybcast-$(id -u)/cache/$key" ] || fail "staged into the machine's /dev/shm, not the pretend hosts'"

stage_hosts numpy.tar.gz python3.11.tar.zst
expect_out "8 ranks on 4 nodes, cache 4 hit / 0 extracted" "second run should hit on all 4"
warm=$ELAPSED

rm -rf "$(hosts_shm pbh2)/pybcast-$(id -u)"
stage_hosts numpy.tar.gz python3.11.tar.zst
expect_out "8 ranks on 4 nodes, cache 3 hit / 1 extracted" "only pbh2 should extract"
expect_out "nodes: 0:hit 1:hit 2:extracted 3:hit"
[ "$(common_key)" = "$key" ] || fail "pbh2 got another key"
expect_no_leftovers_on_hosts

finish_hosts
echo "ok: 4 pretend hosts x 2 ranks: 4 extracted (${cold}s), identical to tar -x; warm 4 hit (${warm}s); a lost node re-extracts alone"
