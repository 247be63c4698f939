#!/usr/bin/env bash
# deploy.k8s_manifests: deploy/k8s reads as YAML (yaml_paths.awk) and has what k8s_check.sh requires (GPU request
# and limit, probes on the health endpoints at serve's port, non-root, read-only root, PVC, Secret-mounted auth
# files, KEDA prometheus triggers on the queue depth and on sustained VRAM pressure, an Alertmanager whose config is
# the ConfigMap ../alertmanager generates); `facefuse serve` runs with the Deployment's arguments, its probe paths
# answer and /v1 wants a key; Alertmanager runs with its Deployment's arguments and its probe paths answer; the VRAM
# trigger's query gives the replica counts its comment promises (promtool); and the check fails each of a set of
# broken copies. No cluster is used (docs/deploy.md).
# Usage: test_k8s_manifests.sh FACEFUSE SOURCE_DIR
FACEFUSE=$1; SOURCE_DIR=$2
source "$SOURCE_DIR/tests/deploy/common.sh"
need curl
check=$SOURCE_DIR/tests/deploy/k8s_check.sh
k8s=$SOURCE_DIR/deploy/k8s

out=$(bash "$check" "$SOURCE_DIR" "$k8s") || fail "deploy/k8s: $out"
read -r _ port live ready <<<"$(grep '^PROBES ' <<<"$out")"
echo "deploy/k8s: manifests complete and consistent (serve port $port)"

# The Deployment's own arguments on the real binary (so every option it passes exists and is accepted), with the
# port, address, data dir, auth files and Redis made local: port 0 (8080 may be taken here), loopback, temp files,
# a redis-server of the test's own.
redis_port=""
if grep -q -- '- --redis$' "$k8s/deployment.yaml"; then
  need redis-server; need redis-cli
  for _ in 1 2 3; do
    redis_port=$((20000 + RANDOM % 30000))
    redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no >"$WORK/redis.log" 2>&1 &
    PIDS+=($!)
    for _ in $(seq 50); do redis-cli -p "$redis_port" ping 2>/dev/null | grep -q PONG && break 2; sleep 0.1; done
    redis_port=""
  done
  [ -n "$redis_port" ] || fail "redis-server did not start: $(tail -3 "$WORK/redis.log")"
fi
mkdir -p "$WORK/auth"
printf 'deploy-test:%s\n' "0123456789abcdef0123" >"$WORK/auth/api-keys"
printf '%s' "0123456789abcdef0123456789abcdef0123" >"$WORK/auth/jwt-secret"
args=()
while IFS= read -r a; do
  case "${previous:-}" in
    --port) a=0 ;; --bind) a=127.0.0.1 ;; --data-dir) a=$WORK/data ;;
    --api-keys-file|--jwt-secret-file) a=$WORK/auth/$(basename "$a") ;; --redis) a=127.0.0.1:$redis_port ;;
  esac
  args+=("$a"); previous=$a
done < <(flatten "$k8s/deployment.yaml" | awk -F'\t' 'index($2, "spec.template.spec.containers[0].args[") == 1 {print $3}')
export FACEFUSE_NVML_LIBRARY=/nonexistent/libnvidia-ml.so.1
"$FACEFUSE" "${args[@]}" --duration 60 >"$WORK/serve.out" 2>"$WORK/serve.err" &
PIDS+=($!)
for _ in $(seq 200); do grep -q 'job API at http://' "$WORK/serve.out" 2>/dev/null && break; sleep 0.1; done
base=$(grep -oE 'http://127\.0\.0\.1:[0-9]+' "$WORK/serve.out" | head -1) ||
  fail "serve did not start: $(cat "$WORK/serve.out" "$WORK/serve.err")"
for path in "$live" "$ready"; do
  code=$(curl -s -o /dev/null -w '%{http_code}' "$base$path")
  [ "$code" = 200 ] || fail "probe path $path answered $code on a running serve"
done
code=$(curl -s -o /dev/null -w '%{http_code}' "$base/health/no-such-probe")
[ "$code" = 404 ] || fail "an unknown path answered $code: the probe check would not catch a wrong path"
code=$(curl -s -o /dev/null -w '%{http_code}' "$base/v1/jobs")
[ "$code" = 401 ] || fail "GET /v1/jobs without a key answered $code: the Secret's auth files are not in force"
echo "serve accepts the Deployment's arguments; probe paths $live and $ready answer 200, /v1 asks for a key"

# Alertmanager with its Deployment's arguments and the file its ConfigMap is generated from (storage and address
# made local), when installed: its probe paths answer.
ALERTMANAGER=$(command -v prometheus-alertmanager || command -v alertmanager || true)
if [ -n "$ALERTMANAGER" ]; then
  am_args=()
  while IFS= read -r a; do
    case "$a" in
      --config.file=*) a=--config.file=$SOURCE_DIR/deploy/alertmanager/$(basename "${a#*=}") ;;
      --storage.path=*) a=--storage.path=$WORK/alertmanager-data ;;
    esac
    am_args+=("$a")
  done < <(flatten "$k8s/alertmanager.yaml" | awk -F'\t' '$1 == 0 && index($2, "spec.template.spec.containers[0].args[") == 1 {print $3}')
  am_port=$(free_port)
  "$ALERTMANAGER" "${am_args[@]}" --web.listen-address="127.0.0.1:$am_port" >"$WORK/alertmanager.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$am_port/-/ready" >/dev/null 2>&1 && break; sleep 0.2; done
  for path in $(flatten "$k8s/alertmanager.yaml" | awk -F'\t' '$2 ~ /Probe\.httpGet\.path$/ {print $3}'); do
    code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$am_port$path")
    [ "$code" = 200 ] || fail "Alertmanager probe path $path answered $code: $(tail -3 "$WORK/alertmanager.log")"
  done
  echo "alertmanager accepts its Deployment's arguments and config; its probe paths answer 200"
else
  echo "alertmanager not installed: its Deployment's arguments not run (scripts/install-deps.sh installs it)"
fi

# The VRAM trigger's query on made-up series (promtool, when installed): instance a is at 50 % for 3 minutes, then
# 95 %; b stays at 50 %. After 6 minutes a has not held 90 % for 5: no result (KEDA: 0); after 8 it has: 1 + 1.
vram_query=$(flatten "$k8s/keda-scaledobject.yaml" |
             awk -F'\t' '$2 ~ /^spec\.triggers\[[0-9]+\]\.metadata\.query$/ && /facefuse_gpu_memory_used_bytes/ {print $3}')
if command -v promtool >/dev/null; then
  series() { printf "      - series: '%s{job=\"facefuse\",instance=\"%s\",gpu=\"0\"}'\n        values: '%s'\n" "$@"; }
  { printf 'rule_files: []\nevaluation_interval: 1m\ntests:\n  - interval: 1m\n    input_series:\n'
    series facefuse_gpu_memory_used_bytes a:8080 '50 50 50 95x8'; series facefuse_gpu_memory_total_bytes a:8080 '100x10'
    series facefuse_gpu_memory_used_bytes b:8080 '50x10'; series facefuse_gpu_memory_total_bytes b:8080 '100x10'
    printf '    promql_expr_test:\n'
    printf "      - expr: '%s'\n        eval_time: 6m\n        exp_samples: []\n" "$vram_query"
    printf "      - expr: '%s'\n        eval_time: 8m\n        exp_samples: [{labels: '{}', value: 2}]\n" "$vram_query"
  } >"$WORK/keda_vram_test.yml"
  out=$(promtool test rules "$WORK/keda_vram_test.yml" 2>&1) || fail "the VRAM trigger's query: $out"
  echo "KEDA VRAM trigger: no result before 5 minutes above 90 %, then one replica more than those pressed"
else
  echo "promtool not installed: the VRAM trigger's query not evaluated"
fi

# Broken copies must fail, naming the problem.
cp -r "$SOURCE_DIR/deploy/alertmanager" "$WORK/alertmanager"  # ../alertmanager of every copy
expect_failure() {  # NAME EXPECTED_MESSAGE FILE SED_SCRIPT
  rm -rf "$WORK/$1"; cp -r "$k8s" "$WORK/$1"
  sed -E -i "$4" "$WORK/$1/$3"
  local got rc=0
  got=$(bash "$check" "$SOURCE_DIR" "$WORK/$1" 2>&1) || rc=$?
  [ "$rc" = 1 ] || fail "$1: the check passed broken manifests (exit $rc)"
  grep -qF -- "$2" <<<"$got" || fail "$1: expected '$2', got: $got"
}
expect_failure no_gpu "requests.nvidia.com/gpu is '', expected '1'" deployment.yaml '/^ +requests:/,/nvidia.com\/gpu/{/nvidia.com\/gpu/d}'
expect_failure root "runAsNonRoot is 'false', expected 'true'" deployment.yaml 's/runAsNonRoot: true/runAsNonRoot: false/'
expect_failure liveness_path "livenessProbe.httpGet.path is '/healthz'" deployment.yaml '0,/path: \/health\/live/! s|path: /health/live|path: /healthz|'
expect_failure port "containerPort 9000 is not serve's --port 8080" deployment.yaml 's/containerPort: 8080/containerPort: 9000/'
expect_failure data_dir "--data-dir /data is not where the data volume is mounted" deployment.yaml 's|^( +)- /var/lib/facefuse$|\1- /data|'
expect_failure secret "--jwt-secret-file '/run/jwt' is not a file of the Secret's mount" deployment.yaml 's|/etc/facefuse/auth/jwt-secret|/run/jwt|'
expect_failure pvc "does not claim the PVC" deployment.yaml 's/claimName: facefuse-data/claimName: other/'
expect_failure keda_target "scaleTargetRef.name is 'other'" keda-scaledobject.yaml 's/^    name: facefuse/    name: other/'
expect_failure keda_query "does not query the queue depth" keda-scaledobject.yaml 's/facefuse_queue_depth_jobs/facefuse_jobs_in_flight/'
expect_failure service "targetPort is 'web'" service.yaml 's/targetPort: http/targetPort: web/'
expect_failure unlisted "pvc.yaml is not in kustomization.yaml" kustomization.yaml '/- pvc.yaml/d'
expect_failure no_redis "without --redis do not share their jobs" deployment.yaml '/- --redis$/,+1d'
expect_failure redis_host "--redis redis:6379 is no Service here" deployment.yaml 's/- facefuse-redis:6379/- redis:6379/'
expect_failure rwo "replicas need ReadWriteMany" pvc.yaml 's/ReadWriteMany/ReadWriteOnce/'
expect_failure subpath "replicas must share it" deployment.yaml 's|^( +)mountPath: /var/lib/facefuse$|&\n\1subPath: one|'
expect_failure anchor "UNSUPPORTED" pvc.yaml 's/^  name: facefuse-data/  name: \&anchor facefuse-data/'
expect_failure keda_vram "no trigger on sustained VRAM pressure" keda-scaledobject.yaml 's/min_over_time/max_over_time/'
expect_failure am_configmap "--config.file /etc/alertmanager/alertmanager.yml is no key of a ConfigMap generated here" \
  alertmanager.yaml '/configMap:/{n;s/name: facefuse-alertmanager/name: other/}'
expect_failure am_config_key "--config.file /etc/alertmanager/am.yml is no key" alertmanager.yaml \
  's|--config.file=/etc/alertmanager/alertmanager.yml|--config.file=/etc/alertmanager/am.yml|'
expect_failure am_unlisted "--config.file /etc/alertmanager/alertmanager.yml is no key" kustomization.yaml '/- ..\/alertmanager/d'
expect_failure am_folder "lists ../alerting, which does not exist" kustomization.yaml 's|- ../alertmanager|- ../alerting|'
expect_failure am_service "alertmanager.yaml: spec.ports[0].targetPort is 'web'" alertmanager.yaml 's/targetPort: http/targetPort: web/'
echo "k8s manifests: OK (22 broken copies refused)"
