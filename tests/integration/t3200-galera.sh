#!/usr/bin/env bash
# t3200-galera.sh - the same binaries on a 3-node MariaDB Galera cluster
# (issue 13): tools/cluster.sh with GALERA=1, node 1 on host a, node 2 on
# host b, node 3 on host c, every node taking writes; each pool writes to its
# host's node. Two writers on different nodes changing the same row conflict
# (Galera's certification failure, a deadlock error to the loser): the loser
# runs its request once more, and a retry with the Idempotency-Key does the
# rest. Then node 2 is killed (SIGKILL) under a write-and-read load: pool b
# goes on with node 3, nothing acknowledged is lost or doubled, and node 2
# comes back by itself (its supervisor) and catches up.
# cluster only: three Galera nodes take a minute to start (two state
# transfers): make cluster-test runs it, make test runs t3100's replicas.
source "$(dirname "$0")/lib.sh"
export GALERA=1
source "$(dirname "$0")/cluster_lib.sh"
cluster_up
nsql() { mariadb --socket="$CL/$1/run/mysqld.sock" -u "$(id -un)" -N -B imagier -e "$2" 2>/dev/null; }
status() { mariadb --socket="$CL/$1/run/mysqld.sock" -u "$(id -un)" -N -B -e "SHOW STATUS LIKE '$2'" 2>/dev/null | cut -f2; }

is "$(status c wsrep_cluster_size)" 3 "three nodes in the cluster"
is "$(status b wsrep_local_state_comment)" Synced "  ... node 2 synced"

alice="$(uniq_name gla)"
new_user "$alice"
upload "$(image png 64 64 72)" "three lighthouses agree"
is "$STATUS" 201 "an upload is accepted"
post="$(json .post.id)"
is "$(nsql c "SELECT COUNT(*) FROM posts WHERE id = $post")" 1 "  ... and node 3 has it (wsrep_sync_wait: a read sees every write before it)"
LOAD_TOKEN=$TOKEN LOAD_POST=$post

# Both pools write on their own nodes: comments on one post update its
# counter row from two nodes at once.
before=$(($(served 'conflicting write came first' a) + $(served 'conflicting write came first' b)))
fault "two nodes writing one row" true
after=$(($(served 'conflicting write came first' a) + $(served 'conflicting write came first' b)))
pass "  ... $((after - before)) requests met a conflicting write on another node and ran once more"
is "$(nsql b "SELECT comment_count FROM posts WHERE id = $post")" \
	"$(nsql a "SELECT COUNT(*) FROM comments WHERE post_id = $post")" \
	"  ... and the post's counter is exact on every node"

kill_node_b() { kill -9 "$(pid_of_host b mysqld)"; }
fault "node 2 killed" kill_node_b
ok "$(wait_until 60 eval "[[ \$(status b wsrep_local_state_comment) == Synced ]]"; echo $?)" \
	"node 2 is back and synced (its supervisor; IST from the others)"
is "$(nsql b "SELECT COUNT(*) FROM comments WHERE post_id = $post")" \
	"$(nsql a "SELECT COUNT(*) FROM comments WHERE post_id = $post")" \
	"  ... with every comment ($total under load)"
is "$(status a wsrep_cluster_size)" 3 "  ... three nodes again"

done_testing
