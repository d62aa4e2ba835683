{{/* Names: <release>-mcp-fleet unless the release name already says it. */}}
{{- define "mcp-fleet.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* The name of one component: gateway, redis, or a provider. */}}
{{- define "mcp-fleet.component" -}}
{{- printf "%s-%s" (include "mcp-fleet.fullname" .root) .component -}}
{{- end -}}

{{- define "mcp-fleet.selectorLabels" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "mcp-fleet.labels" -}}
{{ include "mcp-fleet.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version }}
{{- end -}}

{{- define "mcp-fleet.image" -}}
{{- printf "%s/%s:%s" .root.Values.image.registry .name (.root.Values.image.tag | default .root.Chart.AppVersion) -}}
{{- end -}}

{{/* Pod-level hardening shared by every workload. */}}
{{- define "mcp-fleet.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .uid | default 10001 }}
runAsGroup: {{ .uid | default 10001 }}
fsGroup: {{ .uid | default 10001 }}
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "mcp-fleet.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: [ALL]
{{- end -}}

{{/*
Environment variables from a name: value map, in name order. A map value is the variable's
valueFrom (e.g. {secretKeyRef: {name, key}}); anything else its value, as a string.
*/}}
{{- define "mcp-fleet.env" -}}
{{- range $name, $value := . }}
- name: {{ $name }}
{{- if kindIs "map" $value }}
  valueFrom:
    {{- toYaml $value | nindent 4 }}
{{- else }}
  value: {{ $value | toString | quote }}
{{- end }}
{{- end -}}
{{- end -}}

{{/* Tracing settings for every process (the OTEL_* variables). */}}
{{- define "mcp-fleet.otelEnv" -}}
{{- if .root.Values.otel.endpoint }}
- name: OTEL_EXPORTER_OTLP_ENDPOINT
  value: {{ .root.Values.otel.endpoint | quote }}
- name: OTEL_SERVICE_NAME
  value: {{ printf "mcp-fleet-%s" .component | quote }}
- name: OTEL_TRACES_SAMPLER
  value: parentbased_traceidratio
- name: OTEL_TRACES_SAMPLER_ARG
  value: {{ .root.Values.otel.sampleRatio | quote }}
{{- end }}
{{- end -}}

{{/* The namespaces a list value names, or the release namespace when it is empty. */}}
{{- define "mcp-fleet.namespaces" -}}
{{- if .list }}{{ join "," .list }}{{ else }}{{ .root.Release.Namespace }}{{ end -}}
{{- end -}}

{{/*
The namespaces that hold the fleet: the release's, and those the gateway's discovery follows.
The Kubernetes provider reads them but never writes or execs there: a caller could otherwise
rewrite the gateway's policy, re-point a provider's Service or announce a provider of its own.
*/}}
{{- define "mcp-fleet.fleetNamespaces" -}}
{{- $g := .Values.gateway }}
{{- $discovered := ternary (splitList "," (include "mcp-fleet.namespaces" (dict "root" . "list" $g.discovery.namespaces))) list $g.discovery.enabled }}
{{- prepend $discovered .Release.Namespace | uniq | join "," -}}
{{- end -}}

{{/* A provider's gRPC address: its headless Service, so gRPC balances over every pod. */}}
{{- define "mcp-fleet.providerTarget" -}}
{{- printf "dns:///%s.%s.svc.%s:%v" (include "mcp-fleet.component" (dict "root" .root "component" .name)) .root.Release.Namespace .root.Values.clusterDomain .values.port -}}
{{- end -}}

{{/* Non-empty when the release runs at least one provider. */}}
{{- define "mcp-fleet.anyProvider" -}}
{{- range $name, $v := .Values.providers }}{{ if $v.enabled }}{{ $name }}{{ end }}{{ end -}}
{{- end -}}
