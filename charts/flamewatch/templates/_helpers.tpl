{{/* Chart name, truncated to the 63 characters a label value allows. */}}
{{- define "flamewatch.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Release-scoped base name for every object. */}}
{{- define "flamewatch.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "flamewatch.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "flamewatch.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: flamewatch
{{- end -}}

{{/* Selector labels of one component: include with (dict "root" . "component" "agent"). */}}
{{- define "flamewatch.selectorLabels" -}}
app.kubernetes.io/name: {{ include "flamewatch.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "flamewatch.image" -}}
{{- $registry := .root.Values.image.registry -}}
{{- $tag := default .root.Chart.AppVersion .root.Values.image.tag -}}
{{- if $registry -}}
{{- printf "%s/%s:%s" $registry .image.repository $tag -}}
{{- else -}}
{{- printf "%s:%s" .image.repository $tag -}}
{{- end -}}
{{- end -}}

{{/* Name of the Secret that holds the upload token (key "token"). */}}
{{- define "flamewatch.tokenSecret" -}}
{{- if .Values.agent.token.existingSecret -}}
{{- .Values.agent.token.existingSecret -}}
{{- else -}}
{{- printf "%s-agent-token" (include "flamewatch.fullname" .) -}}
{{- end -}}
{{- end -}}

{{/* Where collectors upload: the embedded agent's Service, or agent.url. */}}
{{- define "flamewatch.agentUrl" -}}
{{- if .Values.agent.enabled -}}
{{- printf "http://%s-agent.%s.svc:%v" (include "flamewatch.fullname" .) .Release.Namespace .Values.agent.service.port -}}
{{- else -}}
{{- required "agent.url is required when agent.enabled is false" .Values.agent.url -}}
{{- end -}}
{{- end -}}

{{/* Hardened container security context for the operator and the agent. */}}
{{- define "flamewatch.restrictedContainerSecurityContext" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
privileged: false
capabilities:
  drop: [ALL]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* The kubernetes.io/tls Secret of the operator's admission webhook. */}}
{{- define "flamewatch.webhookSecret" -}}
{{- printf "%s-webhook-tls" (include "flamewatch.fullname" .) -}}
{{- end -}}
