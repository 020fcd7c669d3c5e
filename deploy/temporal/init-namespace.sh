#!/bin/sh
# Create the namespace and momoflow's search attributes (idempotent).
set -eu
temporal operator namespace describe -n "$NAMESPACE" >/dev/null 2>&1 \
  || temporal operator namespace create -n "$NAMESPACE" --retention 30d
for attr in MomoStatus MomoProduct MomoReferenceId MomoExternalId MomoReason MomoFinancialTransactionId MomoDiscrepancy MomoKind; do
  temporal operator search-attribute create -n "$NAMESPACE" --name "$attr" --type Keyword 2>/dev/null || true
done
# Webhook deliveries (python -m starter webhooks list / resend).
temporal operator search-attribute create -n "$NAMESPACE" --name MomoWebhookState --type Keyword 2>/dev/null || true
temporal operator search-attribute create -n "$NAMESPACE" --name MomoWebhookEventIds --type KeywordList 2>/dev/null || true
temporal operator search-attribute create -n "$NAMESPACE" --name MomoUnknownSince --type Datetime 2>/dev/null || true
temporal operator search-attribute list -n "$NAMESPACE"
