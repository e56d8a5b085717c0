{{/* Labels every object gets, as manifests/ (name, component, part-of), plus Helm's own. */}}
{{- define "podprof.labels" -}}
{{- if .name }}app.kubernetes.io/name: {{ .name }}
{{ end -}}
{{- if .component }}app.kubernetes.io/component: {{ .component }}
{{ end -}}
app.kubernetes.io/part-of: podprof
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" }}
{{- end -}}

{{/* A pod template's labels: what the selectors match, and part-of (no Helm labels: they change with upgrades). */}}
{{- define "podprof.podLabels" -}}
app.kubernetes.io/name: {{ .name }}
app.kubernetes.io/component: {{ .component }}
app.kubernetes.io/part-of: podprof
{{- end -}}

{{- define "podprof.image" -}}
{{ .image.repository }}:{{ .image.tag | default .root.Chart.AppVersion }}
{{- end -}}

{{/* The namespaces no webhook is ever called for. */}}
{{- define "podprof.excludedNamespaces" -}}
{{- $ns := list "kube-system" "kube-node-lease" .Release.Namespace -}}
{{- concat $ns .Values.webhook.excludeNamespaces | uniq | toJson -}}
{{- end -}}

{{/* The container securityContext of every podprof container (Pod Security "restricted"). */}}
{{- define "podprof.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
readOnlyRootFilesystem: true
allowPrivilegeEscalation: false
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end -}}
