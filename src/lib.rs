//! sslprobe
