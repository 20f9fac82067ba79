"""Cluster DNS: answers `<svc>.<ns>.svc.cluster.local` and friends from the api-server, as CoreDNS."""
