#!/bin/bash
# Staging on 4 pretend hosts x 2 ranks, each host in its own network namespace
# on a private bridge (no route off it), mpirun in a head namespace and Open
# MPI's TCP pinned to the private subnet. Proves the bundle bytes crossed the
# hosts' veth links (and no link carries them when the cache is warm), that
# mpirun advertised only the private address, and that a tc tbf cap on a link
# bounds the transfer from below.
. "$(dirname "$0")/hosts_lib.sh"
cp "$BUNDLES/numpy.tar.gz" "$BUNDLES/python3.11.tar.zst" "$PKGROOT/"
bytes=$(($(stat -c %s "$PKGROOT/numpy.tar.gz") + $(stat -c %s "$PKGROOT/python3.11.tar.zst")))
up_or_skip 4 --netns --slots 2
# Bytes each host received (or sent) on its link since the last call.
declare -A rx0 tx0
link_deltas() {
  local h rx tx
  for h in "${PBH_HOSTS[@]}"; do
    read -r rx tx < <(hosts_link_bytes "$h")
    RX[$h]=$((rx - ${rx0[$h]:-0})) TX[$h]=$((tx - ${tx0[$h]:-0}))
    rx0[$h]=$rx tx0[$h]=$tx
  done
}
declare -A RX TX
link_deltas

# Nothing leaves the bridge: every host namespace has only its subnet route.
for h in "${PBH_HOSTS[@]}"; do
  routes=$(ip -n "$(hosts_netns "$h")" -4 route show)
  [ -n "$routes" ] && ! grep -qv "^$PBH_SUBNET.0/24 dev eth0 " <<<"$routes" || fail "$h has routes beyond its subnet: $routes"
done

stage_hosts numpy.tar.gz python3.11.tar.zst
expect_out "pybcast stage report: 8 ranks on 4 nodes, cache 0 hit / 4 extracted"
cold=$ELAPSED
link_deltas
# Rank 0 (on pbh0) reads; every other node's leader must have received the bundles over its link.
[ "${TX[pbh0]}" -ge "$bytes" ] || fail "pbh0 sent ${TX[pbh0]} bytes on its link, bundles are $bytes"
for h in pbh1 pbh2 pbh3; do
  [ "${RX[$h]}" -ge "$bytes" ] || fail "$h received ${RX[$h]} bytes on its link, bundles are $bytes"
done
common_key >/dev/null
for h in pbh1 pbh2 pbh3; do
  # Not the stage record: it names the host's own bytecode mirror (its inode).
  diff -r --no-dereference -x stage.json "$(host_entry pbh0)" "$(host_entry "$h")" >/dev/null ||
    fail "$h differs from pbh0"
done
expect_no_leftovers_on_hosts
# mpirun and the daemons used the private subnet only.
grep -q "orte_hnp_uri \"[0-9.]*;tcp://$PBH_SUBNET.254:[0-9]*\"" "$PBH_DIR/agent.log" ||
  fail "mpirun did not advertise only $PBH_SUBNET.254: $(grep -o 'orte_hnp_uri "[^"]*"' "$PBH_DIR/agent.log" | head -1)"
grep -q "btl_tcp_if_include \"$PBH_SUBNET.0/24\"" "$PBH_DIR/agent.log" || fail "btl_tcp not pinned to the subnet"

# Warm: all hit, and the links carry only MPI start-up and control traffic.
stage_hosts numpy.tar.gz python3.11.tar.zst
expect_out "8 ranks on 4 nodes, cache 4 hit / 0 extracted" "second run should hit on all 4"
warm=$ELAPSED
link_deltas
for h in "${PBH_HOSTS[@]}"; do
  [ "${RX[$h]}" -lt $((bytes / 10)) ] && [ "${TX[$h]}" -lt $((bytes / 10)) ] ||
    fail "warm run moved ${RX[$h]}/${TX[$h]} bytes on $h's link"
done

# A node that lost its cache receives everything through a 100 Mbit/s link: it
# cannot take less than bytes*8/rate.
hosts_shape_link 100mbit || fail "tc tbf failed"
rm -rf "$(hosts_shm pbh3)/pybcast-$(id -u)"
stage_hosts numpy.tar.gz python3.11.tar.zst
expect_out "nodes: 0:hit 1:hit 2:hit 3:extracted" "only pbh3 should extract"
floor=$(echo "scale=2; $bytes * 8 / 100000000" | bc)
[ "$(echo "$ELAPSED >= $floor" | bc)" -eq 1 ] || fail "shaped transfer took ${ELAPSED}s, under the ${floor}s a 100 Mbit/s link allows"
link_deltas
[ "${RX[pbh3]}" -ge "$bytes" ] || fail "pbh3 received ${RX[pbh3]} bytes, bundles are $bytes"

finish_hosts
echo "ok: 4 hosts in network namespaces: bundles crossed the private links (cold ${cold}s, warm ${warm}s); 100 Mbit/s cap: ${ELAPSED}s >= ${floor}s"
