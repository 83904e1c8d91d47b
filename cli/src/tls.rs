//! Shared TLS plumbing for report and serve (self-signed certificate, contexts, ticket counting).
