#!/usr/bin/env bash
# Checks the Kubernetes manifests of a folder (deploy/k8s or a broken copy); prints one line per problem and
# exits 1 if there is any. Usage: k8s_check.sh SOURCE_DIR K8S_DIR
SOURCE_DIR=$1; dir=$2
source "$SOURCE_DIR/tests/deploy/common.sh"
problems=0
problem() { echo "$*"; problems=$((problems + 1)); }
expect() {  # FILE FLAT PATH EXPECTED
  local got; got=$(value "$2" "$3")
  [ "$got" = "$4" ] || problem "$1: $3 is '${got}', expected '$4'"
}

kustomization=$(flatten "$dir/kustomization.yaml")
declare -A facefuse  # kind -> the flattened document of facefuse's own (label app.kubernetes.io/name: facefuse)
declare -A alerts    # the same for Alertmanager's (label app.kubernetes.io/name: facefuse-alertmanager)
services=" "         # NAME:PORT of every Service
generated=" "        # NAME:KEY of every ConfigMap key a listed kustomization folder generates
# A kustomization folder listed in resources ($1: its path there): its configMapGenerator files exist.
read_generators() {
  local sub=$dir/$1 flat name file key
  [ -f "$sub/kustomization.yaml" ] ||
    { problem "kustomization.yaml lists $1, a folder without kustomization.yaml"; return; }
  flat=$(flatten "$sub/kustomization.yaml")
  while IFS=$'\t' read -r _ path file; do
    name=$(value "$flat" "${path%%.files*}.name"); key=$(basename "${file%%=*}")
    [ -f "$sub/${file#*=}" ] || problem "$1/kustomization.yaml: the file ${file#*=} of ConfigMap $name does not exist"
    generated+="$name:$key "
  done < <(awk -F'\t' '$2 ~ /^configMapGenerator\[[0-9]+\]\.files\[[0-9]+\]$/' <<<"$flat")
}
for f in $(awk -F'\t' '$2 ~ /^resources\[/ {print $3}' <<<"$kustomization"); do
  [ -d "$dir/$f" ] && { read_generators "$f"; continue; }
  [ -f "$dir/$f" ] || { problem "kustomization.yaml lists $f, which does not exist"; continue; }
  all=$(flatten "$dir/$f")
  for d in $(cut -f1 <<<"$all" | sort -u); do
    doc=$(awk -F'\t' -v d="$d" '$1 == d' <<<"$all")
    for field in apiVersion kind metadata.name; do
      [ -n "$(value "$doc" "$field")" ] || problem "$f (document $d): no $field"
    done
    kind=$(value "$doc" kind)
    [ "$kind" = Service ] && services+="$(value "$doc" metadata.name):$(value "$doc" 'spec.ports[0].port') "
    [ "$(value "$doc" metadata.labels.app.kubernetes.io/name)" = facefuse ] && facefuse[$kind]=$doc
    [ "$(value "$doc" metadata.labels.app.kubernetes.io/name)" = facefuse-alertmanager ] && alerts[$kind]=$doc
  done
done
for f in "$dir"/*.yaml; do
  grep -qE "^  - $(basename "$f")\$" "$dir/kustomization.yaml" || [ "$(basename "$f")" = kustomization.yaml ] ||
    problem "$(basename "$f") is not in kustomization.yaml"
done
for kind in Deployment Service PersistentVolumeClaim ScaledObject; do
  [ -n "${facefuse[$kind]:-}" ] || problem "no $kind of facefuse (label app.kubernetes.io/name: facefuse)"
done
deployment=${facefuse[Deployment]:-}; service=${facefuse[Service]:-}
pvc=${facefuse[PersistentVolumeClaim]:-}; scaled=${facefuse[ScaledObject]:-}
[ -n "$deployment" ] && [ -n "$service" ] && [ -n "$pvc" ] && [ -n "$scaled" ] || exit 1

D=deployment.yaml; pod=spec.template.spec; c=$pod.containers[0]
# GPU, security, probes.
expect $D "$deployment" "$c.resources.requests.nvidia.com/gpu" 1
expect $D "$deployment" "$c.resources.limits.nvidia.com/gpu" 1
expect $D "$deployment" "$pod.securityContext.runAsNonRoot" true
expect $D "$deployment" "$pod.securityContext.runAsUser" 10001
expect $D "$deployment" "$c.securityContext.readOnlyRootFilesystem" true
expect $D "$deployment" "$c.securityContext.allowPrivilegeEscalation" false
expect $D "$deployment" "$c.livenessProbe.httpGet.path" /health/live
expect $D "$deployment" "$c.readinessProbe.httpGet.path" /health/ready
# The serve arguments: the port the probes and the Service use, the data dir the volume is mounted on, and the
# auth files inside the Secret's mount.
args=$(awk -F'\t' -v p="$c.args[" 'index($2, p) == 1 {print $3}' <<<"$deployment" | tr '\n' ' ')
arg() { awk -v o="$1" '{for (i = 1; i < NF; i++) if ($i == o) print $(i + 1)}' <<<"$args"; }
[[ "$args" == serve\ * ]] || problem "$D: the container does not run serve: $args"
[ "$(arg --bind)" = 0.0.0.0 ] || problem "$D: serve does not --bind 0.0.0.0 (the probes come from outside the pod)"
port=$(arg --port)
port_name=$(awk -F'\t' -v p="$c.ports[0]." '$2 == p "name" {n = $3} $2 == p "containerPort" {cp = $3} END {print n " " cp}' <<<"$deployment")
[ "${port_name#* }" = "$port" ] || problem "$D: containerPort ${port_name#* } is not serve's --port ${port:-(none)}"
for probe in startupProbe livenessProbe readinessProbe; do
  p=$(value "$deployment" "$c.$probe.httpGet.port")
  [ "$probe" = startupProbe ] && [ -z "$p" ] && continue
  [ "$p" = "${port_name% *}" ] || [ "$p" = "$port" ] || problem "$D: $probe port '$p' is not the serve port ($port_name)"
done
mount_of() {  # the mountPath of the volume named $1
  awk -F'\t' -v c="$c.volumeMounts[" -v n="$1" 'index($2, c) == 1 && $2 ~ /\.name$/ && $3 == n {k = $2; sub(/\.name$/, "", k)}
    k != "" && $2 == k ".mountPath" {print $3; exit}' <<<"$deployment"
}
volume_field() {  # the field $2 of the volume named $1
  awk -F'\t' -v v="$pod.volumes[" -v n="$1" -v f="$2" 'index($2, v) == 1 && $2 ~ /\]\.name$/ && $3 == n {k = $2; sub(/\.name$/, "", k)}
    k != "" && $2 == k "." f {print $3; exit}' <<<"$deployment"
}
[ "$(arg --data-dir)" = "$(mount_of data)" ] || problem "$D: --data-dir $(arg --data-dir) is not where the data volume is mounted ($(mount_of data))"
[ "$(volume_field data persistentVolumeClaim.claimName)" = "$(value "$pvc" metadata.name)" ] ||
  problem "$D: the data volume does not claim the PVC $(value "$pvc" metadata.name)"
secret=$(volume_field auth secret.secretName)
[ -n "$secret" ] || problem "$D: no volume 'auth' from a Secret"
for option in --api-keys-file --jwt-secret-file; do
  file=$(arg $option)
  [ -n "$file" ] && [ "$(dirname "$file")" = "$(mount_of auth)" ] ||
    problem "$D: $option '${file}' is not a file of the Secret's mount ($(mount_of auth))"
done
# Service -> pods, ScaledObject -> Deployment, PVC.
S=service.yaml
expect $S "$service" "spec.selector.app.kubernetes.io/name" "$(value "$deployment" spec.template.metadata.labels.app.kubernetes.io/name)"
expect $S "$service" "spec.ports[0].targetPort" "${port_name% *}"
expect $D "$deployment" spec.selector.matchLabels.app.kubernetes.io/name "$(value "$deployment" spec.template.metadata.labels.app.kubernetes.io/name)"
K=keda-scaledobject.yaml
expect $K "$scaled" apiVersion keda.sh/v1alpha1
expect $K "$scaled" spec.scaleTargetRef.name "$(value "$deployment" metadata.name)"
expect $K "$scaled" "spec.triggers[0].type" prometheus
[[ "$(value "$scaled" 'spec.triggers[0].metadata.query')" == *facefuse_queue_depth_jobs* ]] ||
  problem "$K: the trigger does not query the queue depth (facefuse_queue_depth_jobs)"
[ -n "$(value "$scaled" 'spec.triggers[0].metadata.threshold')" ] || problem "$K: the trigger has no threshold"
[ -n "$(value "$scaled" 'spec.triggers[0].metadata.serverAddress')" ] || problem "$K: the trigger has no serverAddress"
P=pvc.yaml
[ -n "$(value "$pvc" spec.resources.requests.storage)" ] || problem "$P: no storage request"
[ -n "$(value "$pvc" 'spec.accessModes[0]')" ] || problem "$P: no access mode"
# Several replicas share their jobs through Redis and one data dir (docs/api.md, Several replicas).
if [ "$(value "$scaled" spec.maxReplicaCount)" != 1 ]; then
  redis=$(arg --redis)
  if [ -z "$redis" ]; then problem "$D: replicas (maxReplicaCount > 1) without --redis do not share their jobs"
  elif [[ "$redis" != *.* && "$services" != *" $redis "* ]]; then problem "$D: --redis $redis is no Service here"
  fi
  [ "$(value "$pvc" 'spec.accessModes[0]')" = ReadWriteMany ] || problem "$P: replicas need ReadWriteMany"
  [ -z "$(awk -F'\t' -v p="$c.volumeMounts[" 'index($2, p) == 1 && $2 ~ /\.subPath(Expr)?$/' <<<"$deployment")" ] ||
    problem "$D: a subPath gives each replica its own data dir; replicas must share it"
fi
# The second KEDA trigger: sustained VRAM pressure (its numbers: the promtool case in test_k8s_manifests.sh).
awk -F'\t' '$2 ~ /^spec\.triggers\[[0-9]+\]\.metadata\.query$/ && $3 ~ /min_over_time/ &&
     $3 ~ /facefuse_gpu_memory_used_bytes/ {found = 1} END {exit !found}' <<<"$scaled" ||
  problem "$K: no trigger on sustained VRAM pressure (min_over_time of facefuse_gpu_memory_used_bytes)"
# Alertmanager: its --config.file is a key of a ConfigMap that a kustomization folder listed here generates, in the
# volume mounted at that file's folder; its Service selects its pods and targets its port.
A=alertmanager.yaml; am=${alerts[Deployment]:-}; am_service=${alerts[Service]:-}
beside() {  # FLAT LIST FIELD VALUE OTHER: in the sequence LIST, OTHER of the item whose FIELD is VALUE
  awk -F'\t' -v l="$2[" -v f=".$3" -v x="$4" -v o=".$5" '{v[$2] = $3} END {
    for (k in v) if (index(k, l) == 1 && v[k] == x && substr(k, length(k) - length(f) + 1) == f) {
      i = substr(k, 1, length(k) - length(f)); if (substr(i, length(l) + 1) ~ /^[0-9]+\]$/) print v[i o] }}' <<<"$1"
}
if [ -z "$am" ] || [ -z "$am_service" ]; then
  problem "no Deployment and Service of Alertmanager (label app.kubernetes.io/name: facefuse-alertmanager)"
else
  ap=spec.template.spec; ac="$ap.containers[0]"
  config_file=$(awk -F'\t' -v p="$ac.args[" 'index($2, p) == 1 && index($3, "--config.file=") == 1 {
                  print substr($3, 15)}' <<<"$am")
  config_volume=$(beside "$am" "$ac.volumeMounts" mountPath "$(dirname "${config_file:-/}")" name)
  config_map=$(beside "$am" "$ap.volumes" name "$config_volume" configMap.name)
  [[ -n "$config_file" && "$generated" == *" $config_map:$(basename "$config_file") "* ]] ||
    problem "$A: --config.file ${config_file:-(none)} is no key of a ConfigMap generated here, mounted at its folder"
  expect $A "$am_service" spec.selector.app.kubernetes.io/name \
    "$(value "$am" spec.template.metadata.labels.app.kubernetes.io/name)"
  expect $A "$am_service" "spec.ports[0].targetPort" "$(value "$am" "$ac.ports[0].name")"
fi
# Printed for the caller, which calls the live probes.
echo "PROBES ${port} $(value "$deployment" "$c.livenessProbe.httpGet.path") $(value "$deployment" "$c.readinessProbe.httpGet.path")"
exit $((problems > 0))
