{{/*
One provider: ServiceAccount, headless Service (gRPC balances over every pod), Deployment and
NetworkPolicy (the gateway only). Called from each provider's folder with:
  root, name, and optionally kubeApi (mount the ServiceAccount token), env (the provider's
  settings, a map for "mcp-fleet.env"), data (a volume it serves: name, mountPath, readOnly and
  existingClaim, a PersistentVolumeClaim or an emptyDir when empty).
Its values are .Values.providers.<name> merged over .Values.providerDefaults.
*/}}
{{- define "mcp-fleet.provider" -}}
{{- $ctx := dict "root" .root "component" .name -}}
{{- $fullname := include "mcp-fleet.component" $ctx -}}
{{- $v := mergeOverwrite (deepCopy .root.Values.providerDefaults) (deepCopy (get .root.Values.providers .name)) -}}
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ $fullname }}
  labels:
    {{- include "mcp-fleet.labels" $ctx | nindent 4 }}
automountServiceAccountToken: {{ .kubeApi | default false }}
---
apiVersion: v1
kind: Service
metadata:
  name: {{ $fullname }}
  labels:
    {{- include "mcp-fleet.labels" $ctx | nindent 4 }}
spec:
  clusterIP: None
  selector:
    {{- include "mcp-fleet.selectorLabels" $ctx | nindent 4 }}
  ports:
    - name: grpc
      port: {{ $v.port }}
      targetPort: grpc
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ $fullname }}
  labels:
    {{- include "mcp-fleet.labels" $ctx | nindent 4 }}
spec:
  replicas: {{ $v.replicas }}
  selector:
    matchLabels:
      {{- include "mcp-fleet.selectorLabels" $ctx | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "mcp-fleet.selectorLabels" $ctx | nindent 8 }}
      {{- with $v.podAnnotations }}
      annotations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
    spec:
      serviceAccountName: {{ $fullname }}
      automountServiceAccountToken: {{ .kubeApi | default false }}
      securityContext:
        {{- include "mcp-fleet.podSecurityContext" dict | nindent 8 }}
      {{- with .root.Values.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      # Longer than the provider's drain timeout (25 s): in-flight calls finish on SIGTERM.
      terminationGracePeriodSeconds: 35
      containers:
        - name: {{ .name }}
          image: {{ include "mcp-fleet.image" (dict "root" .root "name" .name) }}
          imagePullPolicy: {{ .root.Values.image.pullPolicy }}
          env:
            - name: MCPFLEET_LISTEN
              value: "0.0.0.0:{{ $v.port }}"
            - name: MCPFLEET_IDENTITY_JWKS
              value: /etc/mcp-fleet/identity/jwks.json
            {{- with include "mcp-fleet.env" .env | trim }}
            {{- . | nindent 12 }}
            {{- end }}
            {{- with include "mcp-fleet.otelEnv" $ctx | trim }}
            {{- . | nindent 12 }}
            {{- end }}
            {{- with include "mcp-fleet.env" $v.env | trim }}
            {{- . | nindent 12 }}
            {{- end }}
          ports:
            - name: grpc
              containerPort: {{ $v.port }}
          readinessProbe:
            grpc:
              port: {{ $v.port }}
            periodSeconds: 5
          livenessProbe:
            grpc:
              port: {{ $v.port }}
            periodSeconds: 10
            failureThreshold: 3
          resources:
            {{- toYaml $v.resources | nindent 12 }}
          securityContext:
            {{- include "mcp-fleet.containerSecurityContext" . | nindent 12 }}
          volumeMounts:
            - name: identity
              mountPath: /etc/mcp-fleet/identity
              readOnly: true
            - name: tmp
              mountPath: /tmp
            {{- with .data }}
            - name: {{ .name }}
              mountPath: {{ .mountPath }}
              readOnly: {{ .readOnly }}
            {{- end }}
      volumes:
        # The public JWKS only: a provider never holds the gateway's signing key.
        - name: identity
          secret:
            secretName: {{ .root.Values.identity.existingSecret }}
            items:
              - key: jwks.json
                path: jwks.json
        - name: tmp
          emptyDir: {}
        {{- with .data }}
        - name: {{ .name }}
          {{- if .existingClaim }}
          persistentVolumeClaim:
            claimName: {{ .existingClaim }}
          {{- else }}
          emptyDir: {}
          {{- end }}
        {{- end }}
      {{- with $v.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $v.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $v.affinity }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
{{- if .root.Values.networkPolicy.enabled }}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ $fullname }}
  labels:
    {{- include "mcp-fleet.labels" $ctx | nindent 4 }}
spec:
  podSelector:
    matchLabels:
      {{- include "mcp-fleet.selectorLabels" $ctx | nindent 6 }}
  policyTypes: [Ingress]
  ingress:
    - from:
        - podSelector:
            matchLabels:
              {{- include "mcp-fleet.selectorLabels" (dict "root" .root "component" "gateway") | nindent 14 }}
        {{- with .root.Values.networkPolicy.extraIngressFrom }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      ports:
        - port: grpc
          protocol: TCP
{{- end }}
{{- end -}}
