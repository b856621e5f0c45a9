{{/* metadata.namespace of a Dapr resource, unless dapr.renderNamespace is false (a local daprd). */}}
{{- define "todoai.daprNamespace" -}}
{{- if .Values.dapr.renderNamespace }}
  namespace: {{ include "todoai.namespace" . }}
{{- end }}
{{- end -}}

{{/* auth.secretStore for a component whose metadata has a secretKeyRef. In Kubernetes the operator resolves them
from the namespace's Secrets; any other secret store (secretstores.local.file) is named here. */}}
{{- define "todoai.daprAuth" -}}
{{- if ne .Values.dapr.secretStore.type "secretstores.kubernetes" }}
auth:
  secretStore: {{ .Values.dapr.secretStore.name }}
{{- end }}
{{- end -}}

{{/* The brokers and security metadata of a pubsub.kafka component. */}}
{{- define "todoai.daprKafkaMetadata" -}}
- name: brokers
  value: {{ include "todoai.kafkaBrokers" . | quote }}
- name: authType
  value: {{ .Values.kafka.authType | quote }}
- name: disableTls
  value: {{ .Values.kafka.disableTls | quote }}
- name: version
  value: {{ .Values.kafka.version | quote }}
- name: initialOffset
  value: {{ .Values.kafka.initialOffset | quote }}
{{- if eq .Values.kafka.authType "password" }}
- name: saslMechanism
  # Dapr spells the SCRAM mechanisms SHA-256 and SHA-512.
  value: {{ .Values.kafka.saslMechanism | trimPrefix "SCRAM-" | quote }}
- name: saslUsername
  value: {{ .Values.kafka.saslUsername | required "kafka.saslUsername is needed with kafka.authType password" | quote }}
- name: saslPassword
  secretKeyRef:
    name: {{ include "todoai.secretName" . }}
    key: {{ .Values.secrets.keys.kafkaSaslPassword }}
{{- end }}
{{- range $k, $v := .Values.dapr.pubsub.extraMetadata }}
- name: {{ $k }}
  value: {{ $v | quote }}
{{- end }}
{{- end -}}

{{/* The services that consume through the shared kafka-pubsub (all but websocket when it has its own). */}}
{{- define "todoai.pubsubServices" -}}
{{- range $name, $svc := .Values.services }}
{{- if not (and (eq $name "websocket") $.Values.dapr.pubsub.websocketBroadcast) }}{{ $name }} {{ end }}
{{- end }}
{{- end -}}
